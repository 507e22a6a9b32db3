package io.runnel.broker.auth;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.runnel.log.ValidatedBatches;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.RecordBatchLayout;
import io.runnel.security.NodePrincipals;
import io.runnel.security.Principal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ProducerIdOwnershipTest {
    private static final Principal ALICE = Principal.user("CN=alice");
    private static final Principal BOB = Principal.user("CN=bob");
    private static final NodePrincipals NODES = new NodePrincipals(NodePrincipals.DEFAULT_TEMPLATE);
    private final AtomicReference<ByteString> key = new AtomicReference<>(key('k'));
    private final ProducerIdOwnership enforced = new ProducerIdOwnership(true, NODES, key::get);

    private static ByteString key(char fill) {
        return ByteString.copyFrom(String.valueOf(fill).repeat(32), StandardCharsets.UTF_8);
    }

    private static ByteBuffer batch(long producerId) {
        RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE);
        if (producerId >= 0) {
            b.producer(producerId, (short) 0, 0);
        }
        return b.append(0, null, "v".getBytes(StandardCharsets.UTF_8)).build();
    }

    private static ByteBuffer concat(ByteBuffer... batches) {
        ByteBuffer out = ByteBuffer.allocate(Arrays.stream(batches).mapToInt(ByteBuffer::remaining).sum());
        for (ByteBuffer b : batches) {
            out.put(b.duplicate());
        }
        return out.flip();
    }

    @Test
    void idsArePositive_distinctPerCounter_andOwnedOnlyByTheirPrincipal() {
        Set<Long> ids = new HashSet<>();
        for (long counter : new long[] {0, 1, 2, 999, 1000, ProducerIdOwnership.MAX_COUNTER - 1}) {
            long id = enforced.issue(counter, ALICE);
            assertTrue(id >= 0, "id " + id);
            assertTrue(ids.add(id));
            assertEquals(counter, id >>> ProducerIdOwnership.TAG_BITS);
            assertTrue(enforced.owns(ALICE, id));
            assertFalse(enforced.owns(BOB, id));
            assertFalse(enforced.owns(ALICE, id ^ 1), "a changed tag is not alice's");
            assertEquals(id, enforced.issue(counter, ALICE), "the same for the same principal and counter");
        }
        assertNotEquals(enforced.issue(7, ALICE), enforced.issue(7, BOB));
        assertEquals(enforced.issue(7, BOB), enforced.reissue(enforced.issue(7, ALICE), BOB));
        assertThrows(IllegalStateException.class, () -> enforced.issue(ProducerIdOwnership.MAX_COUNTER, ALICE));
    }

    @Test
    void anIdFromAnotherKeyIsNotOwned_andWithoutAKeyNoIdIsIssued() {
        long id = enforced.issue(5, ALICE);
        key.set(key('x'));
        assertFalse(enforced.owns(ALICE, id));
        key.set(ByteString.EMPTY);
        assertFalse(enforced.owns(ALICE, id));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> enforced.issue(5, ALICE));
        assertTrue(e.getMessage().contains("no producer-id key"), e.getMessage());
    }

    @Test
    void check_refusesAnotherPrincipalsId_namingIt_butNotNodesOrUnsetIds() {
        long alices = enforced.issue(42, ALICE);
        enforced.check(ALICE, alices);
        AuthorizationException e = assertThrows(AuthorizationException.class, () -> enforced.check(BOB, alices));
        assertEquals(ErrorCode.INVALID_PRODUCER_ID_MAPPING, e.code());
        assertEquals("User:CN=bob may not write with producer id " + alices + ": InitProducerId gave it to another principal "
            + "(ask InitProducerId for one of your own)", e.getMessage());
        assertDoesNotThrow(() -> enforced.check(BOB, -1), "not idempotent");
        assertDoesNotThrow(() -> enforced.check(NODES.principal(2), alices), "a node (a Stream session) checks its callers itself");
        ProducerIdOwnership off = new ProducerIdOwnership(false, NODES, key::get);
        assertDoesNotThrow(() -> off.check(BOB, alices));
        assertDoesNotThrow(() -> off.check(BOB, ValidatedBatches.check(batch(alices))));
    }

    /** The produce path checks the producer id validation read, not the headers again. */
    @Test
    void checkValidated_takesTheIdValidationRead() {
        long alices = enforced.issue(1, ALICE);
        long bobs = enforced.issue(2, BOB);
        enforced.check(ALICE, ValidatedBatches.check(batch(alices)));
        AuthorizationException e = assertThrows(AuthorizationException.class,
            () -> enforced.check(ALICE, ValidatedBatches.check(batch(bobs))), "bob's id");
        assertEquals(ErrorCode.INVALID_PRODUCER_ID_MAPPING, e.code());
        assertTrue(e.getMessage().contains(Long.toString(bobs)), e.getMessage());
        assertDoesNotThrow(() -> enforced.check(BOB, ValidatedBatches.check(concat(batch(-1), batch(-1)))),
            "batches without a producer id: nothing to own");
        // The id comes from the validated value alone: bytes changed after validation are not read again.
        ByteBuffer bytes = batch(bobs);
        ValidatedBatches validated = ValidatedBatches.check(bytes);
        bytes.putLong(bytes.position() + RecordBatchLayout.PRODUCER_ID_OFFSET, alices);
        assertThrows(AuthorizationException.class, () -> enforced.check(ALICE, validated));
    }
}
