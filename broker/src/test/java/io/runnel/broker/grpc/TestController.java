package io.runnel.broker.grpc;

import io.runnel.broker.metadata.BrokerEndpoint;
import io.runnel.broker.metadata.ClusterView;
import io.runnel.broker.partition.AlterPartitionResult;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * A stand-in for the metadata quorum in broker tests: holds partition states, accepts
 * AlterPartition with the partition-epoch check, and on a broker's death elects new leaders from
 * the ISR, publishing every change to the brokers as the metadata stream would. The real
 * controller lives in metadata-quorum; this one lets broker tests run without Raft.
 */
final class TestController implements ClusterView {
    private final Map<Integer, BrokerEndpoint> live = new ConcurrentHashMap<>();
    private final Map<TopicPartition, PartitionState> states = new ConcurrentHashMap<>();
    private BiConsumer<Integer, Map<TopicPartition, PartitionState>> publisher = (b, s) -> { };

    void onPublish(BiConsumer<Integer, Map<TopicPartition, PartitionState>> publisher) {
        this.publisher = publisher;
    }

    void register(BrokerEndpoint broker) {
        live.put(broker.id(), broker);
    }

    synchronized void createTopic(String topic, int partitions, List<Integer> replicas) {
        for (int p = 0; p < partitions; p++) {
            List<Integer> rotated = new ArrayList<>();
            for (int i = 0; i < replicas.size(); i++) {
                rotated.add(replicas.get((i + p) % replicas.size()));
            }
            states.put(new TopicPartition(topic, p), new PartitionState(rotated.get(0), 0, 0, rotated, rotated));
        }
        publishAll();
    }

    synchronized CompletableFuture<AlterPartitionResult> alterPartition(TopicPartition tp, int leaderEpoch, int partitionEpoch,
                                                                        List<Integer> newIsr) {
        PartitionState current = states.get(tp);
        if (current == null || current.leaderEpoch() != leaderEpoch || current.partitionEpoch() != partitionEpoch) {
            return CompletableFuture.completedFuture(new AlterPartitionResult.Undecided("stale AlterPartition for " + tp));
        }
        for (int r : newIsr) {
            if (!current.isr().contains(r) && !live.containsKey(r)) {
                return CompletableFuture.completedFuture(new AlterPartitionResult.Refused("broker " + r + " is fenced"));
            }
        }
        PartitionState next = new PartitionState(current.leaderId(), leaderEpoch, partitionEpoch + 1, current.replicas(), newIsr);
        states.put(tp, next);
        // The leader applies the answer itself; the others hear it from the stream.
        CompletableFuture.runAsync(this::publishAll);
        return CompletableFuture.completedFuture(new AlterPartitionResult.Accepted(next));
    }

    /** The broker stopped heartbeating: fence it and move its leaderships to other ISR members. */
    synchronized void fence(int brokerId) {
        live.remove(brokerId);
        for (Map.Entry<TopicPartition, PartitionState> e : states.entrySet()) {
            PartitionState s = e.getValue();
            if (!s.isr().contains(brokerId) && s.leaderId() != brokerId) {
                continue;
            }
            List<Integer> isr = new ArrayList<>(s.isr());
            isr.remove(Integer.valueOf(brokerId));
            int leader = s.leaderId() == brokerId ? (isr.isEmpty() ? PartitionState.NO_LEADER : isr.get(0)) : s.leaderId();
            int epoch = leader != s.leaderId() ? s.leaderEpoch() + 1 : s.leaderEpoch();
            e.setValue(new PartitionState(leader, epoch, s.partitionEpoch() + 1, s.replicas(), isr.isEmpty() ? s.isr() : isr));
        }
        publishAll();
    }

    /** Sets a partition's state as a controller decision would, and publishes it to every live broker. */
    synchronized void setState(TopicPartition tp, PartitionState state) {
        states.put(tp, state);
        publishAll();
    }

    synchronized void publishAll() {
        for (int broker : live.keySet()) {
            Map<TopicPartition, PartitionState> mine = new HashMap<>();
            states.forEach((tp, s) -> {
                if (s.replicas().contains(broker)) {
                    mine.put(tp, s);
                }
            });
            publisher.accept(broker, mine);
        }
    }

    PartitionState state(TopicPartition tp) {
        return states.get(tp);
    }

    @Override
    public List<BrokerEndpoint> brokers() {
        return List.copyOf(new TreeMap<>(live).values());
    }

    @Override
    public int controllerId() {
        return -1;
    }

    @Override
    public Map<String, Map<Integer, PartitionState>> topics() {
        Map<String, Map<Integer, PartitionState>> out = new HashMap<>();
        states.forEach((tp, s) -> out.computeIfAbsent(tp.topic(), t -> new HashMap<>()).put(tp.partition(), s));
        return out;
    }
}
