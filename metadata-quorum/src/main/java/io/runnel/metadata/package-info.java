/**
 * Cluster metadata on an Apache Ratis quorum: metadata records folded into an immutable image,
 * snapshots, and the active controller's decisions (placement, fencing, leader election).
 * Filled in by the metadata-quorum issue; nothing here is used yet.
 */
package io.runnel.metadata;
