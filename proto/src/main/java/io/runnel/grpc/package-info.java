/**
 * gRPC plumbing shared by clients and brokers: how the hot messages are read from and written to
 * the transport.
 */
package io.runnel.grpc;
