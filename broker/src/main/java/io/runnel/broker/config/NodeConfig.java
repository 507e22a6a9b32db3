package io.runnel.broker.config;

import io.runnel.broker.group.GroupSettings;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.replica.FetchLimits;
import io.runnel.metadata.controller.ControllerException;
import io.runnel.metadata.controller.LeaderRebalancer;
import io.runnel.metadata.controller.QuorumController;
import io.runnel.metadata.controller.TopicConfigs;
import io.runnel.metadata.quorum.QuorumSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node's settings, each from the first of these that sets it: {@code RUNNEL_*} environment
 * variables ({@code RUNNEL_} + the key upper-cased with dots as underscores: {@code node.id} is
 * {@code RUNNEL_NODE_ID}), the operator's properties file ({@code --config}), the packaging's
 * defaults file ({@code --defaults}: the container image's {@code /opt/runnel/defaults.properties}
 * puts the data dir on its volume and turns metrics on), then the built-in defaults. Packaging
 * defaults are a file rather than {@code ENV} lines in the image because an image's environment
 * would beat a mounted {@code --config} file. Without {@code node.id}, a hostname ending in
 * {@code -<n>} (a StatefulSet pod, {@code runnel-2}) gives id n.
 *
 * @param nodeId          this node's broker and controller id
 * @param roles           broker, controller, or both (combined)
 * @param clientListener  where the client-facing gRPC services (Broker, Admin, Group) bind
 * @param advertisedHost  host name other nodes and clients use to reach this node (the default host
 *                        of every advertised address)
 * @param clientAdvertised host and port clients and other brokers dial for the client listener
 *                        ({@code advertised.listener}); port 0 means the listener's bound port
 * @param controllerListener where the Raft (Ratis) server binds, for controller roles
 * @param internalListener where the broker-to-broker Replication service binds; port 0 picks a free one
 * @param internalAdvertised host and port other brokers fetch from; port 0 means the internal
 *                        listener's bound port
 * @param externalListener where the external client listener binds ({@code external.listener}; none
 *                        by default): the client services again, for clients outside the brokers'
 *                        network, who are answered with every broker's external address
 * @param externalAdvertised host and port such clients dial ({@code external.advertised.listener})
 * @param voters          the controller quorum: node id to Raft address
 * @param dataDir         partition logs and Raft state live under it
 * @param metricsPort     Prometheus scrape port over HTTP; 0 picks a free one, -1 disables it
 * @param replicaLagTimeMaxMs a follower not caught up this long leaves the ISR
 * @param quorumJoin      a new controller joining a running quorum: it waits to be added (AddVoter)
 * @param defaults        topic settings used when a topic does not set them
 * @param groups          consumer-group coordinator settings ({@code offsets.*}, {@code group.*})
 * @param logRetentionCheckIntervalMs how often retention and compaction run over every log
 * @param replicaFetchBackoffMaxMs bound of a follower's doubling pause while a leader keeps giving
 *                        the same diverging-epoch answer to the same fetch
 * @param threads         sizes of the log-flush and controller-call pools
 * @param maxPartitionsPerTopic the most partitions the controller lets a topic have
 *                        ({@code max.partitions.per.topic})
 * @param clusterId       the cluster this node belongs to ({@code cluster.id}, a UUID; the Raft group
 *                        id, and written into {@code meta.properties} when the data dir is formatted:
 *                        a node whose data dir names another cluster refuses to start)
 * @param security        TLS on every listener and on Raft, and which principals are cluster nodes
 *                        ({@code tls.*}, {@code cluster.principal}; off by default)
 * @param defaultReplicationFactor replicas of a topic created without a replication factor
 *                        ({@code default.replication.factor}, default 1; a node setting, not a topic one)
 * @param leaderRebalance automatic preferred-leader rebalance by the active controller
 *                        ({@code auto.leader.rebalance.enable}, {@code leader.imbalance.check.interval.seconds},
 *                        {@code leader.imbalance.per.broker.percentage}; Kafka's names and defaults)
 * @param rack            this broker's rack ({@code broker.rack}, registered with the controller, whose
 *                        placement puts a partition's replicas on distinct racks where it can); empty for none
 * @param fetchLimits     what one Fetch or ReplicaFetch may cost ({@code fetch.max.bytes},
 *                        {@code replica.fetch.response.max.bytes}, {@code fetch.max.wait.ms.limit},
 *                        {@code fetch.purgatory.max.size}, {@code fetch.records.as.messages.max.batch.bytes})
 * @param maxProducersPerPartition idempotent producers each partition remembers for duplicate
 *                        detection ({@code max.producers.per.partition}); past it the longest idle is forgotten
 * @param producerIdExpirationMs an idempotent producer idle this long is forgotten by each partition
 *                        ({@code producer.id.expiration.ms}, Kafka's name and default of one day)
 * @param autoCreateTopics a Metadata request may create a missing topic it names
 *                        ({@code auto.create.topics.enable}, Kafka's name; default false)
 * @param numPartitions   partitions of a topic created that way ({@code num.partitions}, default 1)
 * @param console         the built-in web console ({@code console.listener}; off by default)
 */
public record NodeConfig(int nodeId, Set<Role> roles, InetSocketAddress clientListener, String advertisedHost,
                         InetSocketAddress clientAdvertised, InetSocketAddress controllerListener,
                         InetSocketAddress internalListener, InetSocketAddress internalAdvertised,
                         Optional<InetSocketAddress> externalListener, Optional<InetSocketAddress> externalAdvertised,
                         Map<Integer, InetSocketAddress> voters, Path dataDir,
                         int metricsPort, long replicaLagTimeMaxMs, long brokerSessionTimeoutMs,
                         long brokerHeartbeatIntervalMs, boolean quorumJoin, Map<String, String> defaults,
                         io.runnel.broker.group.GroupSettings groups, long logRetentionCheckIntervalMs,
                         long replicaFetchBackoffMaxMs, ThreadSettings threads, int maxPartitionsPerTopic,
                         UUID clusterId, SecuritySettings security, int defaultReplicationFactor,
                         LeaderRebalancer.Settings leaderRebalance, String rack, FetchLimits fetchLimits,
                         int maxProducersPerPartition, long producerIdExpirationMs, ConsoleSettings console,
                         boolean autoCreateTopics, int numPartitions) {

    /** What a node does. */
    public enum Role { BROKER, CONTROLLER }

    public static final String NODE_ID = "node.id";
    public static final String ROLES = "roles";
    public static final String LISTENER = "listener";
    public static final String ADVERTISED_HOST = "advertised.host";
    public static final String CONTROLLER_LISTENER = "controller.listener";
    /** Bind address of the Replication service; only other brokers call it. */
    public static final String INTERNAL_LISTENER = "internal.listener";
    /** {@code host:port} other brokers use to reach the internal listener (default: advertised.host and its port). */
    public static final String INTERNAL_ADVERTISED_LISTENER = "internal.advertised.listener";
    public static final String DEFAULT_INTERNAL_LISTENER = "0.0.0.0:9093";
    /** {@code host:port} clients and other brokers dial for the client listener (default: advertised.host and its port). */
    public static final String ADVERTISED_LISTENER = "advertised.listener";
    /** Bind address of the optional external client listener (the client services for clients outside the network). */
    public static final String EXTERNAL_LISTENER = "external.listener";
    /** {@code host:port} clients outside the brokers' network dial (default: advertised.host and its port). */
    public static final String EXTERNAL_ADVERTISED_LISTENER = "external.advertised.listener";
    public static final String QUORUM_VOTERS = "quorum.voters";
    /** Voters from ordinals: ids 0..count-1 (a StatefulSet's first pods), instead of {@code quorum.voters}. */
    public static final String QUORUM_VOTER_COUNT = "quorum.voter.count";
    /** With {@link #QUORUM_VOTER_COUNT}: each voter's controller address, {@code {id}} standing for its id. */
    public static final String QUORUM_VOTER_ADDRESS = "quorum.voter.address";
    public static final String DATA_DIR = "data.dir";
    public static final String METRICS_PORT = "metrics.port";
    public static final String REPLICA_LAG_TIME_MAX_MS = "replica.lag.time.max.ms";
    public static final String BROKER_SESSION_TIMEOUT_MS = "broker.session.timeout.ms";
    public static final String BROKER_HEARTBEAT_INTERVAL_MS = "broker.heartbeat.interval.ms";
    public static final String QUORUM_JOIN = "quorum.join";
    public static final String OFFSETS_TOPIC_PARTITIONS = "offsets.topic.num.partitions";
    public static final String OFFSETS_TOPIC_REPLICATION = "offsets.topic.replication.factor";
    public static final String OFFSETS_RETENTION_MS = "offsets.retention.ms";
    public static final String OFFSETS_TOPIC_SEGMENT_BYTES = "offsets.topic.segment.bytes";
    public static final String GROUP_SESSION_TIMEOUT_MS = "group.session.timeout.ms";
    public static final String GROUP_MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    public static final String GROUP_MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    public static final String GROUP_HEARTBEAT_INTERVAL_MS = "group.heartbeat.interval.ms";
    public static final String LOG_RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    public static final String REPLICA_FETCH_BACKOFF_MAX_MS = "replica.fetch.backoff.max.ms";
    public static final String MAX_PARTITIONS_PER_TOPIC = "max.partitions.per.topic";
    public static final String LOG_FLUSH_THREADS = "log.flush.threads";
    public static final String CONTROLLER_CALL_THREADS = "controller.call.threads";
    public static final String MAX_PRODUCERS_PER_PARTITION = "max.producers.per.partition";
    public static final String PRODUCER_ID_EXPIRATION_MS = "producer.id.expiration.ms";
    /** The cluster's id, a UUID, the same on every node (default: the one every Runnel cluster had before). */
    public static final String CLUSTER_ID = "cluster.id";
    /**
     * Replicas of a topic created without a replication factor. It shares the {@code default.}
     * prefix with the topic defaults (Kafka's name) but is no topic setting: a topic keeps its
     * replicas, not a default.
     */
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    /** Whether the active controller moves leadership back to preferred replicas by itself (default true). */
    public static final String AUTO_LEADER_REBALANCE_ENABLE = "auto.leader.rebalance.enable";
    /** How often the active controller checks the leader imbalance, in seconds (default 300). */
    public static final String LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS = "leader.imbalance.check.interval.seconds";
    /** A broker not leading more than this % of the partitions it is preferred for is rebalanced (default 10). */
    public static final String LEADER_IMBALANCE_PER_BROKER_PERCENTAGE = "leader.imbalance.per.broker.percentage";
    /** The broker's rack, zone or failure domain (default: none). */
    public static final String BROKER_RACK = "broker.rack";
    /** Whether Metadata creates a missing topic a client asks for (default false, as Kafka's should be). */
    public static final String AUTO_CREATE_TOPICS_ENABLE = "auto.create.topics.enable";
    /** Partitions of a topic auto-created by Metadata (default 1). */
    public static final String NUM_PARTITIONS = "num.partitions";
    /** Keys under this prefix are default topic settings: {@code default.min.insync.replicas=2}. */
    public static final String DEFAULT_PREFIX = "default.";

    private static final Set<String> KEYS = keys(NODE_ID, ROLES, LISTENER, ADVERTISED_HOST, CONTROLLER_LISTENER,
        INTERNAL_LISTENER, INTERNAL_ADVERTISED_LISTENER, ADVERTISED_LISTENER, EXTERNAL_LISTENER, EXTERNAL_ADVERTISED_LISTENER,
        QUORUM_VOTERS, QUORUM_VOTER_COUNT, QUORUM_VOTER_ADDRESS, DATA_DIR, METRICS_PORT, REPLICA_LAG_TIME_MAX_MS, BROKER_SESSION_TIMEOUT_MS,
        BROKER_HEARTBEAT_INTERVAL_MS, QUORUM_JOIN, OFFSETS_TOPIC_PARTITIONS, OFFSETS_TOPIC_REPLICATION, OFFSETS_RETENTION_MS,
        OFFSETS_TOPIC_SEGMENT_BYTES,
        GROUP_SESSION_TIMEOUT_MS, GROUP_MIN_SESSION_TIMEOUT_MS, GROUP_MAX_SESSION_TIMEOUT_MS, GROUP_HEARTBEAT_INTERVAL_MS,
        LOG_RETENTION_CHECK_INTERVAL_MS, REPLICA_FETCH_BACKOFF_MAX_MS, LOG_FLUSH_THREADS, CONTROLLER_CALL_THREADS,
        MAX_PARTITIONS_PER_TOPIC, CLUSTER_ID, DEFAULT_REPLICATION_FACTOR, AUTO_LEADER_REBALANCE_ENABLE,
        LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS, LEADER_IMBALANCE_PER_BROKER_PERCENTAGE, BROKER_RACK, FetchLimits.MAX_BYTES,
        FetchLimits.REPLICA_MAX_BYTES, FetchLimits.MAX_WAIT_MS, FetchLimits.MAX_PARKED, FetchLimits.MAX_CONVERTED_BATCH_BYTES,
        GroupSettings.MAX_SIZE, GroupSettings.MAX_REGEX_LENGTH, GroupSettings.OFFSETS_COMMIT_TIMEOUT_MS, MAX_PRODUCERS_PER_PARTITION,
        AUTO_CREATE_TOPICS_ENABLE, NUM_PARTITIONS, PRODUCER_ID_EXPIRATION_MS);
    private static final Pattern ORDINAL = Pattern.compile(".*-(\\d+)$");
    /** RUNNEL_ variables the start scripts read for themselves (JVM flags), not node settings. */
    private static final Set<String> LAUNCHER_VARIABLES = Set.of("RUNNEL_JAVA_OPTS");

    private static Set<String> keys(String... own) {
        Set<String> keys = new TreeSet<>(List.of(own));
        keys.addAll(SecuritySettings.KEYS);
        keys.addAll(ConsoleSettings.KEYS);
        return Set.copyOf(keys);
    }

    public boolean isBroker() {
        return roles.contains(Role.BROKER);
    }

    public boolean isController() {
        return roles.contains(Role.CONTROLLER);
    }

    /**
     * Settings from {@code file} (may be empty), then {@code env} overrides, then the hostname
     * ordinal if no node id was given.
     *
     * @throws IllegalArgumentException naming every bad key and why, all at once
     */
    public static NodeConfig load(Properties file, Map<String, String> env, String hostname) {
        return load(new Properties(), file, env, hostname);
    }

    /**
     * Settings from {@code packaging} (the image's defaults file; may be empty), then {@code file}
     * over them, then {@code env} over both, then the hostname ordinal if no node id was given.
     *
     * @throws IllegalArgumentException naming every bad key and why, all at once (a bad key in the
     *                                  packaging's file too: it is checked like any other)
     */
    public static NodeConfig load(Properties packaging, Properties file, Map<String, String> env, String hostname) {
        Map<String, String> settings = new LinkedHashMap<>();
        packaging.stringPropertyNames().forEach(k -> settings.put(k.trim(), packaging.getProperty(k).trim()));
        file.stringPropertyNames().forEach(k -> settings.put(k.trim(), file.getProperty(k).trim()));
        env.forEach((name, value) -> {
            if (name.startsWith("RUNNEL_") && name.length() > 7 && !LAUNCHER_VARIABLES.contains(name)) {
                settings.put(name.substring(7).toLowerCase(Locale.ROOT).replace('_', '.'), value.trim());
            }
        });
        return parse(settings, hostname);
    }

    static NodeConfig parse(Map<String, String> settings, String hostname) {
        List<String> problems = new ArrayList<>();
        Set<String> unknown = new TreeSet<>();
        Map<String, String> defaults = new LinkedHashMap<>();
        for (String key : settings.keySet()) {
            if (KEYS.contains(key)) {
                continue;
            }
            if (key.startsWith(DEFAULT_PREFIX)) {
                defaults.put(key.substring(DEFAULT_PREFIX.length()), settings.get(key));
            } else {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            problems.add("unknown settings " + unknown + " (known: " + new TreeSet<>(KEYS) + " and default.<topic config>)");
        }
        // A default the controller would refuse on a topic would leave the broker registered but
        // unable to open any partition: refuse it here, naming the key.
        defaults.forEach((key, value) -> {
            try {
                TopicConfigs.validate(Map.of(key, value));
            } catch (ControllerException e) {
                problems.add(DEFAULT_PREFIX + key + ": " + e.getMessage()
                    + (TopicConfigs.keys().contains(key) ? "" : " (topic configs: " + new TreeSet<>(TopicConfigs.keys()) + ")"));
            }
        });
        int nodeId = -1;
        if (settings.containsKey(NODE_ID)) {
            nodeId = intIn(settings, NODE_ID, 0, Integer.MAX_VALUE, problems);
        } else {
            Matcher m = hostname == null ? null : ORDINAL.matcher(hostname);
            if (m != null && m.matches()) {
                nodeId = Integer.parseInt(m.group(1));
            } else {
                problems.add(NODE_ID + " is not set and hostname '" + hostname + "' does not end in -<number>");
            }
        }
        int voterCount = OrdinalVoters.count(settings, problems);
        // With voters from ordinals, pods past the voters are brokers only (a StatefulSet scaled up).
        String defaultRoles = voterCount > 0 && nodeId >= voterCount ? "broker" : "broker,controller";
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (String role : settings.getOrDefault(ROLES, defaultRoles).split(",")) {
            try {
                roles.add(Role.valueOf(role.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                problems.add(ROLES + " has unknown role '" + role.trim() + "' (broker, controller)");
            }
        }
        InetSocketAddress listener = ListenerAddresses.bind(settings, LISTENER, "0.0.0.0:9092", problems);
        InetSocketAddress controllerListener = ListenerAddresses.bind(settings, CONTROLLER_LISTENER, "0.0.0.0:9192", problems);
        String advertised = settings.getOrDefault(ADVERTISED_HOST, hostname == null ? "127.0.0.1" : hostname);
        InetSocketAddress clientAdvertised = ListenerAddresses.advertised(settings, ADVERTISED_LISTENER, advertised, listener,
            problems);
        InetSocketAddress internalListener = ListenerAddresses.bind(settings, INTERNAL_LISTENER, DEFAULT_INTERNAL_LISTENER,
            problems);
        InetSocketAddress internalAdvertised = ListenerAddresses.advertised(settings, INTERNAL_ADVERTISED_LISTENER, advertised,
            internalListener, problems);
        Optional<InetSocketAddress> externalListener = ListenerAddresses.optionalBind(settings, EXTERNAL_LISTENER, problems);
        Optional<InetSocketAddress> externalAdvertised = externalListener.map(bind -> ListenerAddresses.advertised(settings,
            EXTERNAL_ADVERTISED_LISTENER, advertised, bind, problems));
        if (externalListener.isEmpty() && settings.containsKey(EXTERNAL_ADVERTISED_LISTENER)) {
            problems.add(EXTERNAL_ADVERTISED_LISTENER + " is set but " + EXTERNAL_LISTENER + " is not: set where it binds too");
        }
        ListenerAddresses.portsDistinct(roles, listener, controllerListener, internalListener, externalListener, problems);
        String voterList = voterCount > 0 ? OrdinalVoters.list(settings, voterCount, problems) : settings.getOrDefault(QUORUM_VOTERS, "");
        Map<Integer, InetSocketAddress> voters = voters(voterList, nodeId,
            controllerListener, advertised, problems);
        if (roles.contains(Role.CONTROLLER) && nodeId >= 0 && !voters.containsKey(nodeId)) {
            problems.add(QUORUM_VOTERS + " does not list this controller's id " + nodeId);
        }
        String dataDir = settings.getOrDefault(DATA_DIR, "data");
        int metricsPort = intIn(settings, METRICS_PORT, -1, 65535, problems, "-1");
        long lag = longAtLeast(settings, REPLICA_LAG_TIME_MAX_MS, 100, "30000", problems);
        long session = longAtLeast(settings, BROKER_SESSION_TIMEOUT_MS, 100, "9000", problems);
        long heartbeat = longAtLeast(settings, BROKER_HEARTBEAT_INTERVAL_MS, 10, "500", problems);
        if (heartbeat >= session) {
            problems.add(BROKER_HEARTBEAT_INTERVAL_MS + " (" + heartbeat + ") must be below " + BROKER_SESSION_TIMEOUT_MS
                + " (" + session + ")");
        }
        String join = settings.getOrDefault(QUORUM_JOIN, "false");
        if (!join.equals("true") && !join.equals("false")) {
            problems.add(QUORUM_JOIN + " must be true or false, got '" + join + "'");
        }
        io.runnel.broker.group.GroupSettings groups = groups(settings, problems);
        long cleanupInterval = longAtLeast(settings, LOG_RETENTION_CHECK_INTERVAL_MS, 10, "300000", problems);
        long fetchBackoffMax = longAtLeast(settings, REPLICA_FETCH_BACKOFF_MAX_MS, 100, "1000", problems);
        int flushThreads = intIn(settings, LOG_FLUSH_THREADS, 1, 64, problems,
            Integer.toString(ThreadSettings.DEFAULTS.logFlushThreads()));
        int controllerCallThreads = intIn(settings, CONTROLLER_CALL_THREADS, 1, 64, problems,
            Integer.toString(ThreadSettings.DEFAULTS.controllerCallThreads()));
        int maxPartitions = intIn(settings, MAX_PARTITIONS_PER_TOPIC, 1, 1_000_000, problems,
            Integer.toString(QuorumController.DEFAULT_MAX_PARTITIONS_PER_TOPIC));
        UUID clusterId = QuorumSettings.DEFAULT_CLUSTER_ID;
        try {
            clusterId = UUID.fromString(settings.getOrDefault(CLUSTER_ID, clusterId.toString()));
        } catch (IllegalArgumentException e) {
            problems.add(CLUSTER_ID + " must be a UUID, got '" + settings.get(CLUSTER_ID) + "'");
        }
        int defaultReplicationFactor = intIn(settings, DEFAULT_REPLICATION_FACTOR, 1, Short.MAX_VALUE, problems,
            Integer.toString(QuorumController.DEFAULT_REPLICATION_FACTOR));
        SecuritySettings security = SecuritySettings.parse(settings, nodeId, problems);
        String rebalance = settings.getOrDefault(AUTO_LEADER_REBALANCE_ENABLE, "true");
        if (!rebalance.equals("true") && !rebalance.equals("false")) {
            problems.add(AUTO_LEADER_REBALANCE_ENABLE + " must be true or false, got '" + rebalance + "'");
        }
        int imbalanceInterval = intIn(settings, LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS, 1, Integer.MAX_VALUE, problems, "300");
        int imbalancePercentage = intIn(settings, LEADER_IMBALANCE_PER_BROKER_PERCENTAGE, 0, 100, problems, "10");
        String rack = settings.getOrDefault(BROKER_RACK, "");
        if (rack.length() > 255 || rack.chars().anyMatch(Character::isISOControl)) {
            problems.add(BROKER_RACK + " must be at most 255 characters without control characters, got '" + rack + "'");
        }
        FetchLimits fetchLimits = fetchLimits(settings, problems);
        int maxProducers = intIn(settings, MAX_PRODUCERS_PER_PARTITION, 1, 10_000_000, problems,
            Integer.toString(Partition.DEFAULT_MAX_PRODUCERS));
        String autoCreate = settings.getOrDefault(AUTO_CREATE_TOPICS_ENABLE, "false");
        if (!autoCreate.equals("true") && !autoCreate.equals("false")) {
            problems.add(AUTO_CREATE_TOPICS_ENABLE + " must be true or false, got '" + autoCreate + "'");
        }
        int numPartitions = intIn(settings, NUM_PARTITIONS, 1, maxPartitions, problems, "1");
        long producerIdExpirationMs = longAtLeast(settings, PRODUCER_ID_EXPIRATION_MS, 1,
            Long.toString(Partition.DEFAULT_PRODUCER_ID_EXPIRATION_MS), problems);
        ConsoleSettings console = ConsoleSettings.parse(settings, security, problems);
        if (console.enabled() && !roles.contains(Role.BROKER)) {
            problems.add(ConsoleSettings.CONSOLE_LISTENER + " is set but this node is not a broker (" + ROLES
                + "): brokers serve the console");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Bad node configuration: " + String.join("; ", problems));
        }
        return new NodeConfig(nodeId, Set.copyOf(roles), listener, advertised, clientAdvertised, controllerListener,
            internalListener, internalAdvertised, externalListener, externalAdvertised, Map.copyOf(voters),
            Path.of(dataDir), metricsPort, lag, session, heartbeat, join.equals("true"), Map.copyOf(defaults), groups,
            cleanupInterval, fetchBackoffMax, new ThreadSettings(flushThreads, controllerCallThreads), maxPartitions,
            clusterId, security, defaultReplicationFactor, new LeaderRebalancer.Settings(rebalance.equals("true"),
                imbalanceInterval * 1000L, imbalancePercentage), rack, fetchLimits, maxProducers,
            producerIdExpirationMs, console, autoCreate.equals("true"), numPartitions);
    }

    private static FetchLimits fetchLimits(Map<String, String> settings, List<String> problems) {
        FetchLimits d = FetchLimits.DEFAULTS;
        int before = problems.size();
        int maxBytes = intIn(settings, FetchLimits.MAX_BYTES, 1024, FetchLimits.MAX_RESPONSE_BYTES, problems,
            Integer.toString(d.maxBytes()));
        int replicaMaxBytes = intIn(settings, FetchLimits.REPLICA_MAX_BYTES, 1024, FetchLimits.MAX_RESPONSE_BYTES, problems,
            Integer.toString(d.replicaMaxBytes()));
        int maxWait = intIn(settings, FetchLimits.MAX_WAIT_MS, 1, Integer.MAX_VALUE, problems, Long.toString(d.maxWaitMs()));
        int maxParked = intIn(settings, FetchLimits.MAX_PARKED, 1, 10_000_000, problems, Integer.toString(d.maxParked()));
        int maxConverted = intIn(settings, FetchLimits.MAX_CONVERTED_BATCH_BYTES, 1024, Integer.MAX_VALUE, problems,
            Integer.toString(Math.min(d.maxConvertedBatchBytes(), maxBytes)));
        if (problems.size() > before) {
            return d;
        }
        try {
            return new FetchLimits(maxBytes, replicaMaxBytes, maxWait, maxParked, maxConverted);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
            return d;
        }
    }

    private static io.runnel.broker.group.GroupSettings groups(Map<String, String> settings, List<String> problems) {
        io.runnel.broker.group.GroupSettings d = io.runnel.broker.group.GroupSettings.DEFAULTS;
        int before = problems.size();
        int partitions = intIn(settings, OFFSETS_TOPIC_PARTITIONS, 1, 10_000, problems, Integer.toString(d.offsetsTopicPartitions()));
        int replication = intIn(settings, OFFSETS_TOPIC_REPLICATION, 1, 100, problems, Integer.toString(d.offsetsTopicReplication()));
        long retention = longAtLeast(settings, OFFSETS_RETENTION_MS, 1, Long.toString(d.offsetsRetentionMs()), problems);
        int session = intIn(settings, GROUP_SESSION_TIMEOUT_MS, 1, Integer.MAX_VALUE, problems, Integer.toString(d.sessionTimeoutMs()));
        int min = intIn(settings, GROUP_MIN_SESSION_TIMEOUT_MS, 1, Integer.MAX_VALUE, problems, Integer.toString(d.minSessionTimeoutMs()));
        int max = intIn(settings, GROUP_MAX_SESSION_TIMEOUT_MS, 1, Integer.MAX_VALUE, problems, Integer.toString(d.maxSessionTimeoutMs()));
        int heartbeat = intIn(settings, GROUP_HEARTBEAT_INTERVAL_MS, 1, Integer.MAX_VALUE, problems,
            Integer.toString(d.heartbeatIntervalMs()));
        int segment = intIn(settings, OFFSETS_TOPIC_SEGMENT_BYTES, 1024, Integer.MAX_VALUE, problems,
            Integer.toString(d.offsetsTopicSegmentBytes()));
        int maxSize = intIn(settings, GroupSettings.MAX_SIZE, 1, Integer.MAX_VALUE, problems, Integer.toString(d.maxSize()));
        int maxRegex = intIn(settings, GroupSettings.MAX_REGEX_LENGTH, 1, 1_000_000, problems,
            Integer.toString(d.maxRegexLength()));
        int commitTimeout = intIn(settings, GroupSettings.OFFSETS_COMMIT_TIMEOUT_MS, 1, Integer.MAX_VALUE, problems,
            Integer.toString(d.offsetsCommitTimeoutMs()));
        if (problems.size() > before) {
            return d;
        }
        try {
            return new io.runnel.broker.group.GroupSettings(partitions, replication, retention, session, min, max, heartbeat,
                segment, maxSize, maxRegex, commitTimeout);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
            return d;
        }
    }

    /** {@code 1@host:port,2@host:port}; empty means a single voter: this node on its controller listener. */
    private static Map<Integer, InetSocketAddress> voters(String text, int nodeId, InetSocketAddress controllerListener,
                                                          String advertised, List<String> problems) {
        Map<Integer, InetSocketAddress> voters = new LinkedHashMap<>();
        if (text.isEmpty()) {
            if (nodeId >= 0) {
                voters.put(nodeId, InetSocketAddress.createUnresolved(advertised, controllerListener.getPort()));
            }
            return voters;
        }
        for (String entry : text.split(",")) {
            String[] parts = entry.trim().split("@", 2);
            try {
                int id = Integer.parseInt(parts[0]);
                if (parts.length != 2 || id < 0) {
                    throw new NumberFormatException();
                }
                InetSocketAddress address = ListenerAddresses.parse(parts[1]);
                if (voters.put(id, address) != null) {
                    problems.add(QUORUM_VOTERS + " lists id " + id + " twice");
                }
            } catch (IllegalArgumentException e) {
                problems.add(QUORUM_VOTERS + " entry '" + entry.trim() + "' is not <id>@<host>:<port>");
            }
        }
        return voters;
    }

    private static int intIn(Map<String, String> settings, String key, int min, int max, List<String> problems) {
        return intIn(settings, key, min, max, problems, null);
    }

    private static int intIn(Map<String, String> settings, String key, int min, int max, List<String> problems, String fallback) {
        String text = settings.getOrDefault(key, fallback);
        try {
            int value = Integer.parseInt(text);
            if (value < min || value > max) {
                problems.add(key + " must be between " + min + " and " + max + ", got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            problems.add(key + " must be an integer, got '" + text + "'");
            return min;
        }
    }

    private static long longAtLeast(Map<String, String> settings, String key, long min, String fallback, List<String> problems) {
        String text = settings.getOrDefault(key, fallback);
        try {
            long value = Long.parseLong(text);
            if (value < min) {
                problems.add(key + " must be at least " + min + ", got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            problems.add(key + " must be an integer, got '" + text + "'");
            return min;
        }
    }
}
