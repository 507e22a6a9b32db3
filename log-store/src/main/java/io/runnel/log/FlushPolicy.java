package io.runnel.log;

/** When appended bytes are forced to disk. */
public enum FlushPolicy {
    /**
     * fsync (fdatasync) before an append returns: nothing acknowledged is lost to a power cut.
     * Concurrent appends share fsyncs (group commit, {@link GroupCommit}).
     */
    SYNC,
    /**
     * Leave bytes in the page cache; a background flusher forces them every
     * {@code flush.interval.ms} or once {@code flush.interval.bytes} are unflushed, whichever
     * comes first. A process crash loses nothing; a machine crash can lose the unflushed tail,
     * which replication is there to cover.
     */
    ASYNC;

    /**
     * The policy with this name, case-insensitive.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static FlushPolicy forName(String name) {
        for (FlushPolicy p : values()) {
            if (p.name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("Unknown flush policy '" + name + "': expected sync or async");
    }
}
