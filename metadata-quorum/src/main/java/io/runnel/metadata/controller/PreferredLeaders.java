package io.runnel.metadata.controller;

import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.image.TopicInfo;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.MetadataRecord;
import io.runnel.proto.v1.PartitionChangeRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Preferred-leader election and the imbalance that triggers it automatically, as Kafka's
 * controller does them. A partition's <b>preferred replica</b> is the first of its assignment
 * (placement spreads first replicas evenly over the brokers, so preferred leadership is
 * balanced). After a broker restarts, the others lead its partitions; electing the preferred
 * replicas moves leadership back. Leadership moves only to a preferred replica that is in the ISR
 * and a live, unfenced broker; a partition that is mid-reassignment is treated like any other.
 *
 * <p>Pure functions over an image: the controller proposes the batch they return, and each record
 * names the partition epoch it was decided on, so a stale decision is rejected when applied.
 */
public final class PreferredLeaders {
    private PreferredLeaders() {
    }

    /** One partition's outcome, as ElectPreferredLeaders answers it. */
    public record Result(String topic, int partition, ErrorCode error, String message, int leader) {
    }

    /** The records to propose, and a result per partition considered. */
    public record Election(MetadataBatch batch, List<Result> results) {
        /** How many partitions the batch moves. */
        public int moved() {
            return batch.getRecordsCount();
        }
    }

    /**
     * Elects the preferred replica of each partition named.
     *
     * @param requested topic to partitions; an empty set means all of that topic's partitions, an
     *                  empty map every partition of every topic
     */
    public static Election elect(MetadataImage image, Map<String, Set<Integer>> requested) {
        MetadataBatch.Builder batch = MetadataBatch.newBuilder();
        List<Result> results = new ArrayList<>();
        Map<String, Set<Integer>> asked = requested.isEmpty() ? everything(image) : requested;
        for (Map.Entry<String, Set<Integer>> e : asked.entrySet()) {
            TopicInfo t = image.topics().get(e.getKey());
            if (t == null) {
                results.add(new Result(e.getKey(), -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                    "topic '" + e.getKey() + "' does not exist", PartitionInfo.NO_LEADER));
                continue;
            }
            SortedSet<Integer> partitions = new TreeSet<>(e.getValue().isEmpty() ? t.partitions().keySet() : e.getValue());
            for (int partition : partitions) {
                PartitionInfo p = t.partitions().get(partition);
                if (p == null) {
                    results.add(new Result(t.name(), partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                        "topic '" + t.name() + "' has " + t.partitions().size() + " partitions, no partition " + partition,
                        PartitionInfo.NO_LEADER));
                    continue;
                }
                results.add(electOne(image, t.name(), p, batch));
            }
        }
        return new Election(batch.build(), results);
    }

    private static Result electOne(MetadataImage image, String topic, PartitionInfo p, MetadataBatch.Builder batch) {
        int preferred = p.replicas().get(0);
        if (p.leader() == preferred) {
            return new Result(topic, p.partition(), ErrorCode.ELECTION_NOT_NEEDED,
                "broker " + preferred + " already leads it", p.leader());
        }
        if (!p.isr().contains(preferred) || !isLive(image, preferred)) {
            return new Result(topic, p.partition(), ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, "preferred replica " + preferred
                + (isLive(image, preferred) ? " is not in the ISR " + p.isr() : " is not a live broker"), p.leader());
        }
        batch.addRecords(MetadataRecord.newBuilder().setPartitionChange(PartitionChangeRecord.newBuilder().setTopic(topic)
            .setPartition(p.partition()).setExpectedPartitionEpoch(p.partitionEpoch()).setLeader(preferred)
            .addAllIsr(p.isr())));
        return new Result(topic, p.partition(), ErrorCode.NONE, "", preferred);
    }

    /**
     * The partitions an automatic rebalance elects (Kafka's {@code auto.leader.rebalance.enable}):
     * for each live broker, the share of the partitions it is preferred for that it does not lead;
     * where that share is above {@code imbalancePercentage} %, every such partition whose preferred
     * replica is in the ISR. Brokers at or below the threshold are left alone, so a cluster does
     * not move leaders for one straggler.
     *
     * @return topic to partitions, empty when no broker is imbalanced
     */
    public static Map<String, Set<Integer>> imbalanced(MetadataImage image, int imbalancePercentage) {
        Map<Integer, Integer> preferredCount = new HashMap<>();
        Map<Integer, List<Map.Entry<String, PartitionInfo>>> notLed = new HashMap<>();
        for (TopicInfo t : image.topics().values()) {
            for (PartitionInfo p : t.partitions().values()) {
                int preferred = p.replicas().get(0);
                preferredCount.merge(preferred, 1, Integer::sum);
                if (p.leader() != preferred) {
                    notLed.computeIfAbsent(preferred, b -> new ArrayList<>()).add(Map.entry(t.name(), p));
                }
            }
        }
        Map<String, Set<Integer>> out = new LinkedHashMap<>();
        notLed.forEach((broker, partitions) -> {
            if (!isLive(image, broker) || partitions.size() * 100L <= (long) imbalancePercentage * preferredCount.get(broker)) {
                return;
            }
            for (Map.Entry<String, PartitionInfo> e : partitions) {
                if (e.getValue().isr().contains(broker)) {
                    out.computeIfAbsent(e.getKey(), k -> new TreeSet<>()).add(e.getValue().partition());
                }
            }
        });
        return out;
    }

    private static Map<String, Set<Integer>> everything(MetadataImage image) {
        Map<String, Set<Integer>> all = new LinkedHashMap<>();
        image.topics().keySet().forEach(name -> all.put(name, Set.of()));
        return all;
    }

    private static boolean isLive(MetadataImage image, int brokerId) {
        BrokerInfo b = image.brokers().get(brokerId);
        return b != null && !b.fenced();
    }
}
