package io.runnel.faultsuite.history;

import java.util.List;

/**
 * One line of a run's history: what a producer sent and had acknowledged, what a consumer was
 * given and polled, what the final read found, and when the nemesis struck and healed. {@code at}
 * is milliseconds since the run started. Values are {@code p<producer>-<seq>}.
 */
public sealed interface Event {
    long at();

    /** The event as one JSON object (every string in it is the suite's own: no escaping needed). */
    String toJson();

    record Sent(long at, int producer, long seq, int partition) implements Event {
        public String toJson() {
            return "{\"at\":" + at + ",\"type\":\"send\",\"producer\":" + producer + ",\"seq\":" + seq + ",\"partition\":" + partition + "}";
        }
    }

    record Acked(long at, int producer, long seq, int partition, long offset) implements Event {
        public String toJson() {
            return "{\"at\":" + at + ",\"type\":\"ack\",\"producer\":" + producer + ",\"seq\":" + seq + ",\"partition\":" + partition
                + ",\"offset\":" + offset + "}";
        }
    }

    /** The send failed; with {@code possiblyWritten} the record may still be in the log. */
    record SendFailed(long at, int producer, long seq, int partition, String error, boolean possiblyWritten) implements Event {
        public String toJson() {
            return "{\"at\":" + at + ",\"type\":\"send-failed\",\"producer\":" + producer + ",\"seq\":" + seq + ",\"partition\":"
                + partition + ",\"possiblyWritten\":" + possiblyWritten + ",\"error\":\"" + error.replace("\"", "'") + "\"}";
        }
    }

    record Polled(long at, int consumer, int partition, long offset, String value) implements Event {
        public String toJson() {
            return "{\"at\":" + at + ",\"type\":\"poll\",\"consumer\":" + consumer + ",\"partition\":" + partition + ",\"offset\":"
                + offset + ",\"value\":\"" + value + "\"}";
        }
    }

    /** Partitions the group gave a consumer. */
    record Assigned(long at, int consumer, List<Integer> partitions) implements Event {
        public String toJson() {
            return "{\"at\":" + at + ",\"type\":\"assigned\",\"consumer\":" + consumer + ",\"partitions\":" + partitions + "}";
        }
    }

    /** Partitions taken from a consumer; {@code lost} when without a revocation (session expired, fenced). */
    record Revoked(long at, int consumer, List<Integer> partitions, boolean lost) implements Event {
        public String toJson() {
            return "{\"at\":" + at + ",\"type\":\"" + (lost ? "lost" : "revoked") + "\",\"consumer\":" + consumer + ",\"partitions\":"
                + partitions + "}";
        }
    }

    /** A record of the read of every partition from its start after healing, by reader {@code reader}. */
    record FinalRead(long at, int reader, int partition, long offset, String value) implements Event {
        public String toJson() {
            return "{\"at\":" + at + ",\"type\":\"final-read\",\"reader\":" + reader + ",\"partition\":" + partition + ",\"offset\":"
                + offset + ",\"value\":\"" + value + "\"}";
        }
    }

    /** The nemesis started a fault. */
    record FaultStarted(long at, String fault) implements Event {
        public String toJson() {
            return "{\"at\":" + at + ",\"type\":\"fault\",\"fault\":\"" + fault + "\"}";
        }
    }

    /** Every fault healed: processes restarted or resumed, links restored. */
    record Healed(long at) implements Event {
        public String toJson() {
            return "{\"at\":" + at + ",\"type\":\"healed\"}";
        }
    }
}
