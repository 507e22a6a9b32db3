package io.runnel.log;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;

/**
 * The leader-epoch history of a partition: for each epoch in which this replica's log received
 * data, the offset of the first record of that epoch. Replication uses it to find where a
 * follower's log diverges from a new leader's ({@link #endOffsetFor}). Persisted in
 * {@link LogFiles#LEADER_EPOCH_FILE} as "epoch startOffset" lines after every change.
 *
 * <p>Invariant: epochs and start offsets both strictly increase along the list.
 * Thread-safety: all methods are safe; {@link #lock} guards {@link #entries} and the file.
 */
public final class LeaderEpochCache {
    private final CheckpointFile checkpoint;
    private final LongSupplier logEndOffset;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final List<EpochEntry> entries = new ArrayList<>();

    LeaderEpochCache(CheckpointFile checkpoint, List<EpochEntry> initial, LongSupplier logEndOffset) {
        this.checkpoint = checkpoint;
        this.logEndOffset = logEndOffset;
        for (EpochEntry e : initial) {
            assignInMemory(e.epoch(), e.startOffset());
        }
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}, if it is news: a later epoch than the
     * last one. The same or an older epoch is ignored (its batches are already accounted for); a new
     * epoch starting at or below existing entries replaces them, since the log they described has
     * been rewritten from there.
     */
    public void assign(int epoch, long startOffset) {
        if (epoch < 0) {
            return;
        }
        lock.writeLock().lock();
        try {
            if (assignInMemory(epoch, startOffset)) {
                flush();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The latest epoch, or -1 if none. */
    public int latestEpoch() {
        lock.readLock().lock();
        try {
            return entries.isEmpty() ? -1 : entries.get(entries.size() - 1).epoch();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The first offset of the latest epoch, or -1 if none. */
    public long latestEpochStartOffset() {
        lock.readLock().lock();
        try {
            return entries.isEmpty() ? -1 : entries.get(entries.size() - 1).startOffset();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The largest epoch {@code <= requestedEpoch} that this log has, and the offset where it ends:
     * the start offset of the next epoch, or the log end offset if it is the latest. Kafka's
     * OffsetsForLeaderEpoch answer: a follower truncates to {@code min(its own end, this end)}.
     */
    public EpochEndOffset endOffsetFor(int requestedEpoch) {
        lock.readLock().lock();
        try {
            for (int i = entries.size() - 1; i >= 0; i--) {
                EpochEntry e = entries.get(i);
                if (e.epoch() <= requestedEpoch) {
                    long end = i == entries.size() - 1 ? logEndOffset.getAsLong() : entries.get(i + 1).startOffset();
                    return new EpochEndOffset(e.epoch(), end);
                }
            }
            return EpochEndOffset.UNDEFINED;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Drops every entry starting at or after {@code endOffset}: the log was truncated there. */
    public void truncateFromEnd(long endOffset) {
        lock.writeLock().lock();
        try {
            if (entries.removeIf(e -> e.startOffset() >= endOffset)) {
                flush();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Forgets history below {@code startOffset}: the log start moved there. The epoch covering it is
     * kept, with its start moved up to {@code startOffset}.
     */
    public void truncateFromStart(long startOffset) {
        lock.writeLock().lock();
        try {
            int covering = -1;
            for (int i = 0; i < entries.size() && entries.get(i).startOffset() <= startOffset; i++) {
                covering = i;
            }
            if (covering < 0 || (covering == 0 && entries.get(0).startOffset() == startOffset)) {
                return;
            }
            EpochEntry kept = new EpochEntry(entries.get(covering).epoch(), startOffset);
            entries.subList(0, covering + 1).clear();
            entries.add(0, kept);
            flush();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Replaces the whole history, for a log truncated fully or started at a new offset. */
    public void clear() {
        lock.writeLock().lock();
        try {
            entries.clear();
            flush();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** A copy of the history, oldest first. */
    public List<EpochEntry> entries() {
        lock.readLock().lock();
        try {
            return List.copyOf(entries);
        } finally {
            lock.readLock().unlock();
        }
    }

    private boolean assignInMemory(int epoch, long startOffset) {
        if (!entries.isEmpty() && epoch <= entries.get(entries.size() - 1).epoch()) {
            // The same epoch continuing, or an older one replayed during recovery: nothing new.
            return false;
        }
        // A newer epoch starting at or below existing entries means the log was rewritten there.
        entries.removeIf(e -> e.startOffset() >= startOffset);
        entries.add(new EpochEntry(epoch, startOffset));
        return true;
    }

    private void flush() {
        if (checkpoint == null) {
            return;
        }
        List<long[]> lines = new ArrayList<>(entries.size());
        for (EpochEntry e : entries) {
            lines.add(new long[] {e.epoch(), e.startOffset()});
        }
        checkpoint.write(lines);
    }
}
