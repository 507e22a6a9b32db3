/**
 * Which partition a keyed record goes to: the contract every client (and the broker's Publish
 * stream) follows, stated in {@code broker.proto} at {@code PartitionProduceData.partition}.
 */
package io.runnel.partitioning;
