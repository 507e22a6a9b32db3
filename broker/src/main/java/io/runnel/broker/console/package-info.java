/**
 * The built-in web console ({@code docs/console.md}): plain server-rendered HTML over the JDK's
 * HTTP server, reading the node's own metadata image and calling the same Broker, Admin and Group
 * gRPC APIs a client calls. Nothing here is a second source of truth. With TLS on it is HTTPS,
 * and each page asks the node's authorizer about the browser's certificate principal as the API
 * would ({@link io.runnel.broker.console.Viewer}).
 */
package io.runnel.broker.console;
