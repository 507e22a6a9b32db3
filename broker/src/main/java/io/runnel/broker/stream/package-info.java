/**
 * The streaming API (stream.proto): Publish and Subscribe streams that a broker serves on behalf
 * of a client, doing what a client library would: partitioning, idempotent numbering, forwarding
 * to leaders and coordinators, group membership and flow control. The broker acts as a gRPC
 * client of the cluster for this ({@link io.runnel.broker.stream.ClusterChannels}), through the
 * same Produce, Fetch and Group calls any client makes, so stream members and Java-client members
 * share one group coordinator and one log.
 */
package io.runnel.broker.stream;
