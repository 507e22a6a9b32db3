/**
 * The built-in web console ({@code docs/console.md}): plain server-rendered HTML over the JDK's
 * HTTP server, reading the node's own metadata image and calling the same Broker, Admin and Group
 * gRPC APIs a client calls. Nothing here is a second source of truth.
 */
package io.runnel.broker.console;
