package io.runnel.broker.auth;

import com.google.protobuf.ByteString;
import io.runnel.log.ValidatedBatches;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.security.NodePrincipals;
import io.runnel.security.Principal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Ties each producer id to the principal that obtained it, without any state to look up: an id is
 * the controller's producer-id number (the counter) shifted left by {@link #TAG_BITS} bits, with
 * a tag in the low bits, the first 31 bits of HMAC-SHA256(cluster key, principal ‖ counter). The
 * cluster key is the metadata's ProducerIdKeyRecord, which every ready broker has, so any leader
 * can tell whether an id was given to the caller. The ids stay positive longs, unique per counter,
 * and the idempotence rules (epochs, sequences) see them as before.
 *
 * <p>Enforced ({@code tls.enabled} or {@code authorizer.enabled}), a batch with a producer id
 * derived for another principal is refused with INVALID_PRODUCER_ID_MAPPING; cluster nodes (the
 * Stream service's sessions, which check their callers themselves) are not checked. Without TLS
 * and the authorizer every caller is anonymous and nothing is checked, as before. Someone without
 * the key who wants to write under a given id can only hope that the tag of their own principal
 * matches: one chance in 2^31 per principal, and principals come from certificates of the CA.
 *
 * <p>Thread-safety: safe from any thread (one {@link Mac} per thread).
 */
public final class ProducerIdOwnership {
    /** The low bits of an id that hold the tag. */
    public static final int TAG_BITS = 31;
    /** Counters below this fit beside the tag in a positive long. */
    public static final long MAX_COUNTER = 1L << (Long.SIZE - 1 - TAG_BITS);

    private final boolean enforced;
    private final NodePrincipals nodes;
    private final Supplier<ByteString> key;
    private final ThreadLocal<KeyedMac> macs = new ThreadLocal<>();

    /** A MAC initialized with one key. */
    private record KeyedMac(ByteString key, Mac mac) {
    }

    /**
     * @param enforced whether produces are checked ({@code tls.enabled} or {@code authorizer.enabled})
     * @param nodes    the cluster's node principals, not checked
     * @param key      the cluster's producer-id key from the broker's current metadata image (empty if none yet)
     */
    public ProducerIdOwnership(boolean enforced, NodePrincipals nodes, Supplier<ByteString> key) {
        this.enforced = enforced;
        this.nodes = nodes;
        this.key = key;
    }

    /** Issues ids with {@code key} (empty: none) and checks nothing: for brokers without TLS or ACLs. */
    public static ProducerIdOwnership unchecked(Supplier<ByteString> key) {
        return new ProducerIdOwnership(false, new NodePrincipals(NodePrincipals.DEFAULT_TEMPLATE), key);
    }

    public boolean enforced() {
        return enforced;
    }

    /**
     * The producer id for counter {@code counter} (from this broker's block) given to {@code owner}.
     *
     * @throws IllegalStateException if this broker has no key yet (retriable) or the counter is past
     *                               {@link #MAX_COUNTER}
     */
    public long issue(long counter, Principal owner) {
        if (counter < 0 || counter >= MAX_COUNTER) {
            throw new IllegalStateException("producer id number " + counter + " is past the " + MAX_COUNTER
                + " the cluster can give out");
        }
        return counter << TAG_BITS | tag(currentKey(), counter, owner);
    }

    /** The id with the counter of {@code producerId}, given to {@code owner} instead. */
    public long reissue(long producerId, Principal owner) {
        return issue(producerId >>> TAG_BITS, owner);
    }

    /** Whether {@code producerId} (>= 0) was given to {@code owner}; false while this broker has no key. */
    public boolean owns(Principal owner, long producerId) {
        ByteString k = key.get();
        return producerId >= 0 && !k.isEmpty()
            && (producerId & ((1L << TAG_BITS) - 1)) == tag(k, producerId >>> TAG_BITS, owner);
    }

    /**
     * Refuses, when enforced, a producer id (>= 0; below is "not idempotent") not given to {@code caller}.
     *
     * @throws AuthorizationException INVALID_PRODUCER_ID_MAPPING naming the principal and the id
     */
    public void check(Principal caller, long producerId) {
        if (enforced && producerId >= 0 && !nodes.isNode(caller) && !owns(caller, producerId)) {
            throw refusal(caller, producerId);
        }
    }

    /**
     * {@link #check}s the producer id of a partition's batches as their validation read it (an
     * idempotent producer's batches are one batch with one id; validation refuses more), so the
     * headers are read once, by validation, and not walked again here.
     *
     * @throws AuthorizationException if the id was not given to {@code caller}
     */
    public void check(Principal caller, ValidatedBatches batches) {
        check(caller, batches.producer() == null ? -1 : batches.producer().producerId());
    }

    /** The refusal of {@code caller} writing under {@code producerId}. */
    public static AuthorizationException refusal(Principal caller, long producerId) {
        return new AuthorizationException(ErrorCode.INVALID_PRODUCER_ID_MAPPING, caller + " may not write with producer id "
            + producerId + ": InitProducerId gave it to another principal (ask InitProducerId for one of your own)");
    }

    private ByteString currentKey() {
        ByteString k = key.get();
        if (k.isEmpty()) {
            throw new IllegalStateException("this broker has no producer-id key in its metadata yet; try again");
        }
        return k;
    }

    private long tag(ByteString k, long counter, Principal owner) {
        Mac mac = mac(k);
        mac.update(owner.toString().getBytes(StandardCharsets.UTF_8));
        mac.update(ByteBuffer.allocate(Long.BYTES).putLong(0, counter));
        byte[] digest = mac.doFinal();
        return ByteBuffer.wrap(digest).getInt() & 0x7fff_ffffL;
    }

    private Mac mac(ByteString k) {
        KeyedMac m = macs.get();
        if (m == null || !m.key().equals(k)) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(k.toByteArray(), "HmacSHA256"));
                m = new KeyedMac(k, mac);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available: " + e, e);
            }
            macs.set(m);
        }
        return m.mac();
    }
}
