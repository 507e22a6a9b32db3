/**
 * Who is calling: TLS material from PEM files ({@link io.runnel.security.TlsFiles}), the
 * {@link io.runnel.security.Principal} each call runs as (from its client certificate, put in the
 * gRPC {@code Context} by {@link io.runnel.security.Authentication}), and which principals are
 * cluster nodes ({@link io.runnel.security.NodePrincipals}, {@link io.runnel.security.ClusterAccess}).
 * Authorization of clients (ACLs) is meant to build on {@link io.runnel.security.Authentication#caller()}.
 */
package io.runnel.security;
