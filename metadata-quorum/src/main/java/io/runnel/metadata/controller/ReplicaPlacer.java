package io.runnel.metadata.controller;

import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.proto.v1.ErrorCode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Chooses replicas for new partitions so that replicas and leaders stay spread evenly over the
 * live brokers, counting what they already host: each partition's leader is the broker leading the
 * fewest partitions, its followers the brokers hosting the fewest replicas, preferring racks not
 * yet used by the partition. Greedy on current load, so counts stay within one of even as topics
 * come and go, not only within one topic. Deterministic for a given image and request.
 */
final class ReplicaPlacer {
    private ReplicaPlacer() {
    }

    /**
     * @return for each new partition, its replicas with the leader first
     * @throws ControllerException INVALID_REPLICATION_FACTOR if there are fewer live brokers than replicas
     */
    static List<List<Integer>> place(MetadataImage image, int partitions, int replicationFactor) {
        List<BrokerInfo> live = image.liveBrokers();
        if (replicationFactor < 1 || replicationFactor > live.size()) {
            throw new ControllerException(ErrorCode.INVALID_REPLICATION_FACTOR, "replication factor " + replicationFactor
                + (replicationFactor < 1 ? " is below 1" : " is more than the " + live.size() + " live brokers"));
        }
        Map<Integer, Integer> replicas = new HashMap<>();
        Map<Integer, Integer> leaders = new HashMap<>();
        Map<Integer, String> racks = new HashMap<>();
        for (BrokerInfo b : live) {
            replicas.put(b.id(), 0);
            leaders.put(b.id(), 0);
            racks.put(b.id(), b.rack());
        }
        for (Map.Entry<String, PartitionInfo> e : image.allPartitions()) {
            for (int r : e.getValue().replicas()) {
                replicas.computeIfPresent(r, (k, v) -> v + 1);
            }
            if (e.getValue().replicas().size() > 0) {
                leaders.computeIfPresent(e.getValue().replicas().get(0), (k, v) -> v + 1);
            }
        }
        List<List<Integer>> out = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            List<Integer> chosen = new ArrayList<>();
            Set<String> usedRacks = new HashSet<>();
            int leader = live.stream().map(BrokerInfo::id)
                .min(Comparator.<Integer>comparingInt(leaders::get).thenComparingInt(replicas::get).thenComparingInt(id -> id))
                .orElseThrow();
            chosen.add(leader);
            usedRacks.add(racks.get(leader));
            while (chosen.size() < replicationFactor) {
                int next = live.stream().map(BrokerInfo::id).filter(id -> !chosen.contains(id))
                    .min(Comparator.<Integer>comparingInt(id -> usedRacks.contains(racks.get(id)) && !racks.get(id).isEmpty() ? 1 : 0)
                        .thenComparingInt(replicas::get).thenComparingInt(id -> id))
                    .orElseThrow();
                chosen.add(next);
                usedRacks.add(racks.get(next));
            }
            for (int r : chosen) {
                replicas.merge(r, 1, Integer::sum);
            }
            leaders.merge(leader, 1, Integer::sum);
            out.add(List.copyOf(chosen));
        }
        return out;
    }
}
