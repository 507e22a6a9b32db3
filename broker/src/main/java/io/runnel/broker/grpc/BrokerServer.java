package io.runnel.broker.grpc;

import com.google.protobuf.ByteString;
import io.grpc.ServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.stub.ServerCalls;
import io.runnel.broker.auth.Authorizer;
import io.runnel.broker.auth.ProducerIdOwnership;
import io.runnel.broker.group.GroupCoordinator;
import io.runnel.broker.group.GroupOffsets;
import io.runnel.broker.group.GroupQueries;
import io.runnel.broker.metadata.ClusterView;
import io.runnel.broker.metadata.ControllerClient;
import io.runnel.broker.metrics.BrokerMetrics;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.grpc.AliasingMarshaller;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ProduceRequest;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.Set;

/**
 * The broker's client listener: lifecycle only. Serves the client-facing Broker, Admin and Group
 * services, the standard health service (for Kubernetes probes and grpcurl) and server
 * reflection. Not the Replication service: that is broker-to-broker and lives on the internal
 * listener ({@link InternalServer}), so a ReplicaFetch sent here is UNIMPLEMENTED.
 */
public final class BrokerServer {
    /**
     * HTTP/2 flow-control window for data streams. gRPC's 1 MiB default makes a multi-megabyte fetch
     * wait for window updates many times over; 8 MiB lets one fetch response flow in one go.
     */
    public static final int FLOW_CONTROL_WINDOW = 8 << 20;
    /**
     * The health-service name of readiness, the empty name that generic tools ({@code grpcurl},
     * {@code grpc_health_probe}, a Kubernetes gRPC probe without {@code service}) ask by default:
     * SERVING only while the broker is registered, unfenced, in touch with the active controller
     * and caught up with the metadata log ({@code metadata.ServingState}).
     */
    public static final String READINESS = "";
    /** The health-service name of liveness: SERVING from the listener's start until shutdown. */
    public static final String LIVENESS = "liveness";

    private final GrpcListener listener;
    private final CallExecutors calls;

    /** @param builder a Netty builder on a port (see {@link #FLOW_CONTROL_WINDOW}), or an in-process one */
    public BrokerServer(ServerBuilder<?> builder, ReplicaManager replicaManager, ClusterView cluster, Clock clock,
                        BrokerMetrics metrics) {
        this(builder, replicaManager, cluster, clock, metrics, null, Map.of());
    }

    /**
     * @param groups        the consumer-group coordinator, or null for a broker without the Group service
     * @param topicDefaults the node's default topic settings, for what Metadata says of a topic
     */
    public BrokerServer(ServerBuilder<?> builder, ReplicaManager replicaManager, ClusterView cluster, Clock clock,
                        BrokerMetrics metrics, GroupCoordinator groups, Map<String, String> topicDefaults) {
        this(builder, replicaManager, cluster, clock, metrics, groups, topicDefaults, Authorizer.disabled(),
            ProducerIdOwnership.unchecked(cluster instanceof ControllerClient controllers ? () -> controllers.image().producerIdKey()
                : () -> ByteString.EMPTY));
    }

    /**
     * @param authorizer checks every client call against the ACLs (Broker, Admin and Group services;
     *                   health and reflection are open to all)
     * @param producerIds derives the producer ids InitProducerId gives out and checks those of produced batches
     */
    public BrokerServer(ServerBuilder<?> builder, ReplicaManager replicaManager, ClusterView cluster, Clock clock,
                        BrokerMetrics metrics, GroupCoordinator groups, Map<String, String> topicDefaults, Authorizer authorizer,
                        ProducerIdOwnership producerIds) {
        this(builder, replicaManager, cluster, clock, metrics, groups, topicDefaults, authorizer, producerIds,
            AutoTopicCreation.OFF);
    }

    /** @param autoCreate whether Metadata creates a missing topic a client asks for ({@code auto.create.topics.enable}) */
    public BrokerServer(ServerBuilder<?> builder, ReplicaManager replicaManager, ClusterView cluster, Clock clock,
                        BrokerMetrics metrics, GroupCoordinator groups, Map<String, String> topicDefaults, Authorizer authorizer,
                        ProducerIdOwnership producerIds, AutoTopicCreation autoCreate) {
        if (cluster instanceof ControllerClient controllers) {
            builder.addService(new AdminService(controllers, authorizer));
        }
        if (groups != null) {
            builder.addService(new GroupService(groups, new GroupOffsets(groups, clock), new GroupQueries(groups), cluster,
                authorizer));
        }
        // Produce and Fetch run on the event loop; admin, group and the rest on a pool (CallExecutors).
        this.calls = new CallExecutors(Set.of(BrokerGrpc.getProduceMethod(), BrokerGrpc.getFetchMethod(),
            BrokerGrpc.getFetchStreamMethod()), "client-calls");
        BrokerService service = new BrokerService(replicaManager, cluster, clock, metrics, topicDefaults, calls.mayBlock(),
            authorizer, producerIds, autoCreate);
        this.listener = new GrpcListener(builder.directExecutor().callExecutor(calls)
            // Produced batches are read into one array and appended from it (BrokerService.produce);
            // fetched ones go from the log files into the transport (BrokerService.fetchSpliced), for
            // a Fetch call and for each request of a FetchStream alike.
            .addService(SplicingMarshaller.spliced(SplicingMarshaller.spliced(AliasingMarshaller.requestsAliased(
                        service.bindService(), BrokerGrpc.getProduceMethod(), ProduceRequest.getDefaultInstance()),
                    BrokerGrpc.getFetchMethod(), ServerCalls.asyncUnaryCall(service::fetchSpliced)),
                BrokerGrpc.getFetchStreamMethod(), ServerCalls.asyncBidiStreamingCall(
                    responses -> InOrderFetchStream.open(responses, service::fetchSpliced))))
            .addService(ProtoReflectionServiceV1.newInstance()));
    }

    /**
     * Binds and starts serving; liveness reports SERVING, readiness waits for {@link #ready}.
     *
     * @throws IOException naming the cause if the port cannot be bound
     */
    public BrokerServer start() throws IOException {
        listener.start();
        return this;
    }

    /** Sets readiness: SERVING or NOT_SERVING on the health service's {@link #READINESS} name. */
    public void ready(boolean ready) {
        listener.ready(ready);
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return listener.port();
    }

    /** Reports NOT_SERVING, stops taking calls and waits up to 5 s for calls in flight. */
    public void shutdown() {
        listener.shutdown();
        calls.close();
    }
}
