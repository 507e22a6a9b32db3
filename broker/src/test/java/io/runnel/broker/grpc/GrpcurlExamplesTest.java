package io.runnel.broker.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
import io.runnel.broker.node.TestCluster;
import io.runnel.proto.v1.AdminGrpc;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.DescribeClusterRequest;
import io.runnel.proto.v1.DescribeClusterResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.ProduceResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's three grpcurl calls cannot rot: their request bodies are read from the README,
 * parsed as grpcurl parses them (protobuf's JSON mapping, snake_case names, base64 bytes) and sent
 * to a real broker, whose answers must be what the README promises (the record produced is fetched).
 */
class GrpcurlExamplesTest {
    private static final Pattern CALL = Pattern.compile("^grpcurl -plaintext -d '(.*)' \\S+ (runnel\\.v1\\.\\w+/\\w+)$");

    @TempDir
    Path tmp;

    /** Method name to JSON body, in README order. */
    private static Map<String, String> readmeCalls() throws IOException {
        Map<String, String> calls = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("..", "README.md"))) {
            Matcher m = CALL.matcher(line.strip());
            if (m.matches()) {
                calls.put(m.group(2), m.group(1));
            }
        }
        return calls;
    }

    private static <B extends Message.Builder> B parse(String json, B builder) throws IOException {
        JsonFormat.parser().merge(json, builder);
        return builder;
    }

    @Test
    void theReadmesGrpcurlBodies_describeProduceAndFetchOneRecord() throws Exception {
        Map<String, String> calls = readmeCalls();
        assertEquals(List.of("runnel.v1.Admin/DescribeCluster", "runnel.v1.Broker/Produce", "runnel.v1.Broker/Fetch"),
            List.copyOf(calls.keySet()), "the README's grpcurl calls");
        try (TestCluster cluster = TestCluster.start(tmp, 1, Map.of())) {
            cluster.createTopic("demo", 1, 1, Map.of());
            cluster.awaitLeadsAll(1, "demo", 1);
            ManagedChannel channel = cluster.clientChannel(1);

            DescribeClusterResponse described = AdminGrpc.newBlockingStub(channel).describeCluster(
                parse(calls.get("runnel.v1.Admin/DescribeCluster"), DescribeClusterRequest.newBuilder()).build());
            assertEquals(1, described.getImage().getBrokersCount(), JsonFormat.printer().print(described));
            assertTrue(described.getImage().getTopicsList().stream().anyMatch(t -> t.getName().equals("demo")));

            ProduceResponse produced = BrokerGrpc.newBlockingStub(channel).produce(
                parse(calls.get("runnel.v1.Broker/Produce"), ProduceRequest.newBuilder()).build());
            assertEquals(ErrorCode.NONE, produced.getTopics(0).getPartitions(0).getError(), JsonFormat.printer().print(produced));

            FetchPartitionResponse fetched = BrokerGrpc.newBlockingStub(channel).fetch(
                parse(calls.get("runnel.v1.Broker/Fetch"), FetchRequest.newBuilder()).build()).getTopics(0).getPartitions(0);
            assertEquals(ErrorCode.NONE, fetched.getError(), fetched.getErrorMessage());
            assertEquals(1, fetched.getRecords().getRecordsCount());
            assertEquals("k1", fetched.getRecords().getRecords(0).getKey().toStringUtf8());
            assertEquals("hello", fetched.getRecords().getRecords(0).getValue().toStringUtf8());
            assertTrue(JsonFormat.printer().print(fetched).contains("\"value\": \"aGVsbG8=\""), "grpcurl shows bytes as base64");
        }
    }
}
