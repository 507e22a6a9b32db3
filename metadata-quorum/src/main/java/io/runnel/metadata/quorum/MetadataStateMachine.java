package io.runnel.metadata.quorum;

import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.v1.ApplyResult;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.MetadataImageProto;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft state machine of the metadata quorum. Its state is one {@link MetadataImage}:
 * <ul>
 *   <li>writes ({@link MetadataBatch} entries) go through {@link #applyTransaction}, which folds
 *       them into the next image and answers with an {@link ApplyResult};</li>
 *   <li>malformed entries are refused in {@link #startTransaction}, on the leader, so they never
 *       enter the log;</li>
 *   <li>snapshots are the serialized image in one file with an MD5 beside it, and loading one
 *       replaces the image whole.</li>
 * </ul>
 * Leadership changes and applied batches are passed to a {@link Listener} (the controller and the
 * metadata stream) on Ratis threads; listeners must hand off rather than block.
 *
 * <p>Thread-safety: applies, snapshots and reloads run on Ratis's single updater thread; the image
 * is immutable and published through a volatile field for query and gRPC threads.
 */
public final class MetadataStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(MetadataStateMachine.class);

    /** Told about what the state machine does, on Ratis threads. */
    public interface Listener {
        /** A batch was folded in (accepted or rejected); {@code image} is the result. */
        default void onApplied(MetadataBatch batch, long term, long offset, MetadataImage image) {
        }

        /** The image was replaced by a snapshot (at start or installed from the leader). */
        default void onSnapshotLoaded(MetadataImage image) {
        }

        /** This node became the active controller, its image caught up with its own term. */
        default void onLeaderReady() {
        }

        /** This node stopped being the active controller. */
        default void onNotLeader() {
        }

        /** Some node (maybe this one) leads now. */
        default void onLeaderChanged(RaftPeerId leader) {
        }
    }

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile Consumer<Path> afterSync = path -> {
    };

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    public MetadataImage image() {
        return image;
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, raftStorage);
            storage.init(raftStorage);
            load(storage.loadLatestSnapshot());
        });
    }

    /** Required: BaseStateMachine's pause() does nothing, and installing a snapshot asserts PAUSED. */
    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    @Override
    public void reinitialize() throws IOException {
        load(storage.loadLatestSnapshot()); // loadLatest, not getLatest: the installed file is new (RATIS-2111)
        getLifeCycle().transition(LifeCycle.State.STARTING);
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    private void load(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            return;
        }
        File file = snapshot.getFile().getPath().toFile();
        if (snapshot.getFile().getFileDigest() != null) {
            MD5FileUtil.verifySavedMD5(file, MD5FileUtil.computeMd5ForFile(file));
        }
        MetadataImage loaded;
        try (InputStream in = Files.newInputStream(file.toPath())) {
            loaded = MetadataImage.fromProto(MetadataImageProto.parseFrom(in));
        } catch (IOException e) {
            throw new IOException("Cannot load metadata snapshot " + file + ": " + e.getMessage(), e);
        }
        TermIndex ti = snapshot.getTermIndex();
        image = loaded;
        updateLastAppliedTermIndex(ti.getTerm(), ti.getIndex());
        log.info("Loaded metadata snapshot {} at {}", file.getName(), ti);
        listeners.forEach(l -> l.onSnapshotLoaded(loaded));
    }

    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        TransactionContext trx = super.startTransaction(request);
        try {
            MetadataBatch batch = MetadataBatch.parseFrom(request.getMessage().getContent().asReadOnlyByteBuffer());
            if (batch.getRecordsCount() == 0) {
                trx.setException(new IllegalArgumentException("an empty metadata batch"));
            }
        } catch (IOException e) {
            trx.setException(new IllegalArgumentException("not a metadata batch: " + e.getMessage()));
        }
        return trx;
    }

    /** Folds the entry. Never throws: a throwing apply would close the server (ratis-guide.md, pitfall 3). */
    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long term = entry.getTerm();
        long index = entry.getIndex();
        ApplyResult result;
        MetadataBatch batch = MetadataBatch.getDefaultInstance();
        try {
            batch = MetadataBatch.parseFrom(entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
            MetadataImage.Applied applied = image.apply(batch, term, index);
            image = applied.image();
            result = ApplyResult.newBuilder().setError(applied.error()).setMessage(applied.message()).setOffset(index).build();
        } catch (IOException | RuntimeException e) {
            // startTransaction refuses what does not parse, so this is a bug; skip the entry, keep serving.
            log.error("Cannot apply metadata entry {}: {}", index, e.toString());
            image = image.at(term, index);
            result = ApplyResult.newBuilder().setError(ErrorCode.UNKNOWN_SERVER_ERROR).setMessage(e.toString())
                .setOffset(index).build();
        }
        updateLastAppliedTermIndex(term, index);
        MetadataImage now = image;
        for (Listener l : listeners) {
            try {
                l.onApplied(batch, term, index, now);
            } catch (RuntimeException e) {
                log.warn("Metadata listener failed on entry {}", index, e);
            }
        }
        return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(result.toByteArray())));
    }

    /** Any query returns the whole image. */
    @Override
    public CompletableFuture<Message> query(Message request) {
        return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(image.toProto().toByteArray())));
    }

    @Override
    public long takeSnapshot() throws IOException {
        MetadataImage snapshot = image;
        TermIndex applied = getLastAppliedTermIndex();
        // The image may lag the applied index by non-metadata entries (configuration changes); the
        // snapshot is named by the applied index, which is what Ratis purges up to.
        File file = storage.getSnapshotFile(applied.getTerm(), applied.getIndex());
        File tmp = new File(file.getParentFile(), file.getName() + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp.toPath(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            snapshot.toProto().writeTo(Channels.newOutputStream(channel));
        }
        // Ratis purges the log up to this index once we return: the snapshot's bytes, its digest
        // and both names in the directory must be on disk first, or a power loss could leave
        // neither the log nor a snapshot (docs/reliability.md, "Power loss").
        sync(tmp.toPath());
        Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        var md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
        sync(MD5FileUtil.getDigestFileForFile(file).toPath());
        sync(file.getParentFile().toPath());
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), applied));
        return applied.getIndex();
    }

    /**
     * Runs {@code hook} after each fsync a snapshot makes, with the path forced (a file, or the
     * snapshot directory for its entries): a test's model of the disk keeps only what was forced.
     */
    void afterSyncForTest(Consumer<Path> hook) {
        afterSync = hook;
    }

    /** fsync of a file or (on Linux) a directory's entries. */
    private void sync(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        }
        afterSync.accept(path);
    }

    @Override
    public void notifyLeaderReady() {
        listeners.forEach(Listener::onLeaderReady);
    }

    @Override
    public void notifyNotLeader(Collection<TransactionContext> pending) throws IOException {
        listeners.forEach(Listener::onNotLeader);
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId leader) {
        listeners.forEach(l -> l.onLeaderChanged(leader));
    }
}
