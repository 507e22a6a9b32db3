package io.runnel.metadata.image;

import com.google.protobuf.ByteString;
import io.runnel.metadata.acl.AclBinding;
import io.runnel.metadata.acl.AclImage;
import io.runnel.proto.v1.AclEntry;
import io.runnel.proto.v1.BrokerRegistration;
import io.runnel.proto.v1.Endpoint;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.MetadataImageProto;
import io.runnel.proto.v1.MetadataRecord;
import io.runnel.proto.v1.PartitionChangeRecord;
import io.runnel.proto.v1.PartitionRecord;
import io.runnel.proto.v1.PartitionRegistration;
import io.runnel.proto.v1.TopicImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The cluster metadata at one Raft index, immutable. {@link #apply} folds a batch of records into
 * the next image deterministically: no clock, no I/O, nothing but the image and the batch, so
 * every controller and every broker that applies the same log gets the same image.
 *
 * <p>A batch is all or nothing: each record's preconditions are checked in order against the
 * image as changed by the records before it, and the first failure rejects the whole batch (the
 * index still advances, since the entry is in the log).
 */
public final class MetadataImage {
    /** The length of the producer-id key (ProducerIdKeyRecord). */
    public static final int PRODUCER_ID_KEY_BYTES = 32;
    public static final MetadataImage EMPTY = new MetadataImage(0, 0, new TreeMap<>(), new TreeMap<>(), 0, AclImage.EMPTY,
        ByteString.EMPTY);

    private final long offset;
    private final long term;
    private final SortedMap<Integer, BrokerInfo> brokers;
    private final SortedMap<String, TopicInfo> topics;
    private final long nextProducerId;
    private final AclImage acls;
    private final ByteString producerIdKey;

    private MetadataImage(long offset, long term, SortedMap<Integer, BrokerInfo> brokers, SortedMap<String, TopicInfo> topics,
                          long nextProducerId, AclImage acls, ByteString producerIdKey) {
        this.offset = offset;
        this.term = term;
        this.brokers = Collections.unmodifiableSortedMap(brokers);
        this.topics = Collections.unmodifiableSortedMap(topics);
        this.nextProducerId = nextProducerId;
        this.acls = acls;
        this.producerIdKey = producerIdKey;
    }

    /** The Raft index of the last entry folded in. */
    public long offset() {
        return offset;
    }

    public long term() {
        return term;
    }

    public SortedMap<Integer, BrokerInfo> brokers() {
        return brokers;
    }

    public SortedMap<String, TopicInfo> topics() {
        return topics;
    }

    public long nextProducerId() {
        return nextProducerId;
    }

    /** The ACL bindings; the same instance as the previous image's unless an ACL record changed them. */
    public AclImage acls() {
        return acls;
    }

    /** The cluster's producer-id key (ProducerIdKeyRecord, metadata.proto); empty until the first id block. */
    public ByteString producerIdKey() {
        return producerIdKey;
    }

    /** Registered, unfenced brokers. */
    public List<BrokerInfo> liveBrokers() {
        return brokers.values().stream().filter(b -> !b.fenced()).toList();
    }

    /** The outcome of folding one entry: the next image, and why the batch was rejected if it was. */
    public record Applied(MetadataImage image, ErrorCode error, String message) {
        public boolean accepted() {
            return error == ErrorCode.NONE;
        }
    }

    /** Advances the offset without changing anything: for Raft entries that carry no metadata. */
    public MetadataImage at(long newTerm, long newOffset) {
        return new MetadataImage(newOffset, newTerm, new TreeMap<>(brokers), new TreeMap<>(topics), nextProducerId, acls, producerIdKey);
    }

    /** Folds {@code batch}, the Raft entry at ({@code newTerm}, {@code newOffset}). */
    public Applied apply(MetadataBatch batch, long newTerm, long newOffset) {
        Builder b = new Builder(this, newOffset);
        for (MetadataRecord record : batch.getRecordsList()) {
            String rejected = b.apply(record);
            if (rejected != null) {
                return new Applied(at(newTerm, newOffset), b.error, rejected);
            }
        }
        return new Applied(new MetadataImage(newOffset, newTerm, b.brokers, b.topics, b.nextProducerId, b.acls, b.producerIdKey), ErrorCode.NONE, "");
    }

    /** A working copy for one batch; {@link #apply} returns a reason when a precondition fails. */
    private static final class Builder {
        final long offset;
        final TreeMap<Integer, BrokerInfo> brokers;
        final TreeMap<String, TopicInfo> topics;
        long nextProducerId;
        AclImage acls;
        ByteString producerIdKey;
        ErrorCode error = ErrorCode.NONE;

        Builder(MetadataImage image, long offset) {
            this.offset = offset;
            this.brokers = new TreeMap<>(image.brokers);
            this.topics = new TreeMap<>(image.topics);
            this.nextProducerId = image.nextProducerId;
            this.acls = image.acls;
            this.producerIdKey = image.producerIdKey;
        }

        private String reject(ErrorCode code, String why) {
            error = code;
            return why;
        }

        String apply(MetadataRecord record) {
            switch (record.getRecordCase()) {
                case REGISTER_BROKER -> {
                    var r = record.getRegisterBroker();
                    Endpoint internal = r.hasInternalEndpoint() ? r.getInternalEndpoint() : r.getEndpoint();
                    brokers.put(r.getBrokerId(), new BrokerInfo(r.getBrokerId(), r.getIncarnationId(), offset,
                        r.getEndpoint().getHost(), r.getEndpoint().getPort(), r.getRack(), true, internal.getHost(),
                        internal.getPort(), r.getDirectoryId(), r.getExternalEndpoint().getHost(),
                        r.getExternalEndpoint().getPort())); // unset external: "" and 0, none
                    return null;
                }
                case FENCE_BROKER, UNFENCE_BROKER -> {
                    boolean fence = record.getRecordCase() == MetadataRecord.RecordCase.FENCE_BROKER;
                    int id = fence ? record.getFenceBroker().getBrokerId() : record.getUnfenceBroker().getBrokerId();
                    long epoch = fence ? record.getFenceBroker().getBrokerEpoch() : record.getUnfenceBroker().getBrokerEpoch();
                    BrokerInfo b = brokers.get(id);
                    if (b == null) {
                        return reject(ErrorCode.BROKER_NOT_REGISTERED, "broker " + id + " is not registered");
                    }
                    if (b.epoch() != epoch) {
                        return reject(ErrorCode.STALE_BROKER_EPOCH, "broker " + id + " is at epoch " + b.epoch() + ", not " + epoch);
                    }
                    brokers.put(id, b.withFenced(fence));
                    return null;
                }
                case TOPIC -> {
                    var r = record.getTopic();
                    if (topics.containsKey(r.getName())) {
                        return reject(ErrorCode.TOPIC_ALREADY_EXISTS, "topic '" + r.getName() + "' already exists");
                    }
                    topics.put(r.getName(), new TopicInfo(r.getName(), r.getTopicId(), r.getConfigsMap(), new TreeMap<>()));
                    return null;
                }
                case PARTITION -> {
                    PartitionRecord r = record.getPartition();
                    TopicInfo t = topics.get(r.getTopic());
                    if (t == null) {
                        return reject(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + r.getTopic() + "' does not exist");
                    }
                    if (t.partitions().containsKey(r.getPartition()) || r.getPartition() != t.partitions().size()) {
                        return reject(ErrorCode.INVALID_PARTITIONS, "partition " + r.getPartition() + " of '" + r.getTopic()
                            + "' is not the next one (" + t.partitions().size() + ")");
                    }
                    topics.put(t.name(), t.withPartition(new PartitionInfo(r.getPartition(), r.getReplicasList(),
                        r.getIsrList(), r.getLeader(), 0, 0)));
                    return null;
                }
                case PARTITION_CHANGE -> {
                    PartitionChangeRecord r = record.getPartitionChange();
                    TopicInfo t = topics.get(r.getTopic());
                    PartitionInfo p = t == null ? null : t.partitions().get(r.getPartition());
                    if (p == null) {
                        return reject(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "partition " + r.getTopic() + "-" + r.getPartition()
                            + " does not exist");
                    }
                    if (p.partitionEpoch() != r.getExpectedPartitionEpoch()) {
                        return reject(ErrorCode.INVALID_UPDATE_VERSION, "partition " + r.getTopic() + "-" + r.getPartition()
                            + " is at partition epoch " + p.partitionEpoch() + ", not " + r.getExpectedPartitionEpoch());
                    }
                    List<Integer> replicas = r.getReplicasCount() == 0 ? p.replicas() : r.getReplicasList();
                    int leaderEpoch = r.getLeader() != p.leader() ? p.leaderEpoch() + 1 : p.leaderEpoch();
                    boolean starts = r.getTargetReplicasCount() > 0;
                    List<Integer> target = r.getClearTarget() ? List.of() : starts ? r.getTargetReplicasList() : p.targetReplicas();
                    List<Integer> original = r.getClearTarget() ? List.of() : starts ? r.getOriginalReplicasList()
                        : p.originalReplicas();
                    long throttle = r.getClearTarget() ? 0 : starts ? r.getThrottleBytesPerSec() : p.throttleBytesPerSec();
                    topics.put(t.name(), t.withPartition(new PartitionInfo(p.partition(), replicas, r.getIsrList(), r.getLeader(),
                        leaderEpoch, p.partitionEpoch() + 1, target, original, throttle)));
                    return null;
                }
                case REMOVE_TOPIC -> {
                    var r = record.getRemoveTopic();
                    TopicInfo t = topics.get(r.getName());
                    if (t == null || !t.topicId().equals(r.getTopicId())) {
                        return reject(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + r.getName() + "' with id "
                            + r.getTopicId() + " does not exist");
                    }
                    topics.remove(r.getName());
                    return null;
                }
                case CONFIG -> {
                    var r = record.getConfig();
                    TopicInfo t = topics.get(r.getTopic());
                    if (t == null) {
                        return reject(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + r.getTopic() + "' does not exist");
                    }
                    topics.put(t.name(), t.withConfigs(r.getConfigsMap()));
                    return null;
                }
                case PRODUCER_IDS -> {
                    var r = record.getProducerIds();
                    if (r.getNextBlockStart() != nextProducerId || r.getBlockSize() <= 0) {
                        return reject(ErrorCode.INVALID_UPDATE_VERSION, "producer id block starts at " + nextProducerId
                            + ", not " + r.getNextBlockStart());
                    }
                    nextProducerId += r.getBlockSize();
                    return null;
                }
                case PRODUCER_ID_KEY -> {
                    ByteString key = record.getProducerIdKey().getKey();
                    if (key.size() != PRODUCER_ID_KEY_BYTES) {
                        return reject(ErrorCode.INVALID_REQUEST, "a producer-id key must be " + PRODUCER_ID_KEY_BYTES
                            + " bytes, got " + key.size());
                    }
                    if (producerIdKey.isEmpty()) { // the first one stays: ids were derived from it
                        producerIdKey = key;
                    }
                    return null;
                }
                case ACL, REMOVE_ACL -> {
                    boolean add = record.getRecordCase() == MetadataRecord.RecordCase.ACL;
                    AclEntry entry = add ? record.getAcl().getAcl() : record.getRemoveAcl().getAcl();
                    AclBinding binding;
                    try {
                        binding = AclBinding.fromProto(entry);
                    } catch (IllegalArgumentException e) {
                        return reject(ErrorCode.INVALID_REQUEST, "ACL binding " + entry.toString().replace('\n', ' ').trim()
                            + ": " + e.getMessage());
                    }
                    acls = add ? acls.with(binding) : acls.without(binding);
                    return null;
                }
                default -> {
                    return reject(ErrorCode.INVALID_REQUEST, "empty or unknown metadata record");
                }
            }
        }
    }

    // ---------------------------------------------------------------- serialization

    public MetadataImageProto toProto() {
        MetadataImageProto.Builder out = MetadataImageProto.newBuilder().setOffset(offset).setTerm(term)
            .setNextProducerId(nextProducerId).setProducerIdKey(producerIdKey);
        for (BrokerInfo b : brokers.values()) {
            out.addBrokers(BrokerRegistration.newBuilder().setBrokerId(b.id()).setIncarnationId(b.incarnationId())
                .setBrokerEpoch(b.epoch()).setEndpoint(Endpoint.newBuilder().setHost(b.host()).setPort(b.port()))
                .setRack(b.rack()).setFenced(b.fenced())
                .setInternalEndpoint(Endpoint.newBuilder().setHost(b.internalHost()).setPort(b.internalPort()))
                .setDirectoryId(b.directoryId()));
            if (b.hasExternal()) {
                out.getBrokersBuilder(out.getBrokersCount() - 1)
                    .setExternalEndpoint(Endpoint.newBuilder().setHost(b.externalHost()).setPort(b.externalPort()));
            }
        }
        for (TopicInfo t : topics.values()) {
            TopicImage.Builder ti = TopicImage.newBuilder().setName(t.name()).setTopicId(t.topicId()).putAllConfigs(t.configs());
            for (PartitionInfo p : t.partitions().values()) {
                ti.addPartitions(PartitionRegistration.newBuilder().setPartition(p.partition()).addAllReplicas(p.replicas())
                    .addAllIsr(p.isr()).setLeader(p.leader()).setLeaderEpoch(p.leaderEpoch())
                    .setPartitionEpoch(p.partitionEpoch()).addAllTargetReplicas(p.targetReplicas())
                    .addAllOriginalReplicas(p.originalReplicas()).setThrottleBytesPerSec(p.throttleBytesPerSec()));
            }
            out.addTopics(ti);
        }
        acls.bindings().forEach(b -> out.addAcls(b.toProto()));
        return out.build();
    }

    public static MetadataImage fromProto(MetadataImageProto proto) {
        TreeMap<Integer, BrokerInfo> brokers = new TreeMap<>();
        for (BrokerRegistration b : proto.getBrokersList()) {
            // Images written before internal listeners existed lack internal_endpoint: the client one.
            Endpoint internal = b.hasInternalEndpoint() ? b.getInternalEndpoint() : b.getEndpoint();
            brokers.put(b.getBrokerId(), new BrokerInfo(b.getBrokerId(), b.getIncarnationId(), b.getBrokerEpoch(),
                b.getEndpoint().getHost(), b.getEndpoint().getPort(), b.getRack(), b.getFenced(), internal.getHost(),
                internal.getPort(), b.getDirectoryId(), // empty in images written before directory ids
                b.getExternalEndpoint().getHost(), b.getExternalEndpoint().getPort()));
        }
        TreeMap<String, TopicInfo> topics = new TreeMap<>();
        for (TopicImage t : proto.getTopicsList()) {
            TreeMap<Integer, PartitionInfo> partitions = new TreeMap<>();
            for (PartitionRegistration p : t.getPartitionsList()) {
                partitions.put(p.getPartition(), new PartitionInfo(p.getPartition(), p.getReplicasList(), p.getIsrList(),
                    p.getLeader(), p.getLeaderEpoch(), p.getPartitionEpoch(), p.getTargetReplicasList(), p.getOriginalReplicasList(),
                    p.getThrottleBytesPerSec()));
            }
            topics.put(t.getName(), new TopicInfo(t.getName(), t.getTopicId(), t.getConfigsMap(), partitions));
        }
        // A snapshot holds only bindings its own apply accepted, so each parses.
        AclImage acls = AclImage.of(proto.getAclsList().stream().map(AclBinding::fromProto).toList());
        return new MetadataImage(proto.getOffset(), proto.getTerm(), brokers, topics, proto.getNextProducerId(), acls,
            proto.getProducerIdKey());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MetadataImage m && offset == m.offset && term == m.term && brokers.equals(m.brokers)
            && topics.equals(m.topics) && nextProducerId == m.nextProducerId
            && acls.equals(m.acls) && producerIdKey.equals(m.producerIdKey);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(offset) * 31 + topics.hashCode();
    }

    @Override
    public String toString() {
        return "MetadataImage[offset=" + offset + ", brokers=" + brokers.keySet() + ", topics=" + topics.keySet() + "]";
    }

    /** Partitions of every topic, flattened, for callers that iterate them all. */
    public List<Map.Entry<String, PartitionInfo>> allPartitions() {
        List<Map.Entry<String, PartitionInfo>> out = new ArrayList<>();
        topics.values().forEach(t -> t.partitions().values().forEach(p -> out.add(Map.entry(t.name(), p))));
        return out;
    }
}
