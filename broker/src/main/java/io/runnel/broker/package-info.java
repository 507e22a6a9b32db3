/**
 * The broker node: gRPC services over the partition manager, replication and group coordinator.
 * Filled in by the broker issue; nothing here is used yet.
 */
package io.runnel.broker;
