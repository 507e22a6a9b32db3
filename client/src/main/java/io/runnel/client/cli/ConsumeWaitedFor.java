package io.runnel.client.cli;

import io.runnel.client.common.Bootstrap;
import io.runnel.proto.v1.BrokerInfo;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataResponse;
import io.runnel.proto.v1.PartitionMetadata;
import io.runnel.security.TlsFiles;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code runnel consume --timeout-ms} waited for when it stops without records (issue 16
 * item 8): each partition read and where its leader is, or that it has none, so a leader whose
 * advertised address cannot be reached or a partition without a leader is named, not silent.
 */
final class ConsumeWaitedFor {
    private ConsumeWaitedFor() {
    }

    /**
     * @param bootstrap the command's {@code --bootstrap}
     * @param tls       the command's TLS files, or null
     * @param partition the one partition read, or null for all of the topic's
     * @param consumed  records printed before the wait
     */
    static String message(String bootstrap, TlsFiles tls, String topic, Integer partition, long timeoutMs, long consumed) {
        String head = "no records for " + timeoutMs + " ms (after " + consumed + ") from ";
        MetadataResponse md;
        try (Bootstrap cluster = new Bootstrap(bootstrap, tls)) {
            md = cluster.metadata(List.of(topic));
        } catch (RuntimeException e) {
            return head + "topic " + topic + "; its leaders are unknown: " + e.getMessage();
        }
        if (md.getTopicsCount() == 0 || md.getTopics(0).getError() != ErrorCode.NONE) {
            return head + "topic " + topic + ", which no longer exists";
        }
        List<String> waited = new ArrayList<>();
        for (PartitionMetadata p : md.getTopics(0).getPartitionsList()) {
            if (partition != null && partition != p.getPartition()) {
                continue;
            }
            String name = topic + "-" + p.getPartition();
            BrokerInfo leader = md.getBrokersList().stream().filter(b -> b.getId() == p.getLeaderId()).findFirst().orElse(null);
            waited.add(p.getLeaderId() < 0 ? name + " (no leader)" : leader == null
                ? name + " (leader broker " + p.getLeaderId() + ", address unknown)"
                : name + " (leader broker " + leader.getId() + " at " + leader.getHost() + ":" + leader.getPort() + ")");
        }
        return head + String.join(", ", waited);
    }
}
