package io.runnel.client.admin;

/**
 * Where {@link RunnelAdmin#resetOffsets} moves a group's committed offsets, per partition.
 * Build one with the factory methods, which refuse negative values.
 */
public sealed interface ResetSpec {
    /** The log start offset (the earliest record still stored). */
    static ResetSpec earliest() {
        return Earliest.INSTANCE;
    }

    /** The high watermark: the group skips everything written so far. */
    static ResetSpec latest() {
        return Latest.INSTANCE;
    }

    /**
     * The first offset whose record timestamp is at or after {@code timestampMs}; the latest offset
     * where no record is that recent.
     *
     * @throws IllegalArgumentException naming a negative timestamp
     */
    static ResetSpec toTimestamp(long timestampMs) {
        return new ToTimestamp(timestampMs);
    }

    /**
     * This offset in every partition, clamped into [earliest, latest] so the group never points
     * outside the log.
     *
     * @throws IllegalArgumentException naming a negative offset
     */
    static ResetSpec toOffset(long offset) {
        return new ToOffset(offset);
    }

    /** See {@link #earliest()}. */
    record Earliest() implements ResetSpec {
        private static final Earliest INSTANCE = new Earliest();

        @Override
        public String toString() {
            return "earliest";
        }
    }

    /** See {@link #latest()}. */
    record Latest() implements ResetSpec {
        private static final Latest INSTANCE = new Latest();

        @Override
        public String toString() {
            return "latest";
        }
    }

    /** See {@link #toTimestamp(long)}. */
    record ToTimestamp(long timestampMs) implements ResetSpec {
        public ToTimestamp {
            if (timestampMs < 0) {
                throw new IllegalArgumentException("reset timestamp must be >= 0 ms since the epoch, got " + timestampMs);
            }
        }

        @Override
        public String toString() {
            return "timestamp " + timestampMs;
        }
    }

    /** See {@link #toOffset(long)}. */
    record ToOffset(long offset) implements ResetSpec {
        public ToOffset {
            if (offset < 0) {
                throw new IllegalArgumentException("reset offset must be >= 0, got " + offset);
            }
        }

        @Override
        public String toString() {
            return "offset " + offset;
        }
    }
}
