package io.runnel.metadata.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.MetadataRecord;
import io.runnel.proto.v1.ProducerIdKeyRecord;
import org.junit.jupiter.api.Test;

/** The cluster's producer-id key: made once, kept for good, carried by snapshots. */
class ProducerIdKeysTest {
    private final ProducerIdKeys keys = new ProducerIdKeys();
    private long offset;

    private MetadataImage.Applied apply(MetadataImage image, MetadataBatch batch) {
        return image.apply(batch, 1, ++offset);
    }

    @Test
    void aBatchGetsAKeyInFrontWhileTheImageHasNone_andTheFirstKeyStays() {
        MetadataBatch allocation = BrokerDecisions.allocateProducerIds(MetadataImage.EMPTY, 1, 1000);
        MetadataBatch first = keys.ensured(MetadataImage.EMPTY, allocation);
        assertEquals(2, first.getRecordsCount());
        assertEquals(MetadataImage.PRODUCER_ID_KEY_BYTES, first.getRecords(0).getProducerIdKey().getKey().size());
        MetadataImage image = apply(MetadataImage.EMPTY, first).image();
        assertEquals(first.getRecords(0).getProducerIdKey().getKey(), image.producerIdKey());
        assertEquals(1000, image.nextProducerId());

        MetadataBatch racing = keys.ensured(MetadataImage.EMPTY, MetadataBatch.getDefaultInstance()); // decided on an older image
        assertNotEquals(image.producerIdKey(), racing.getRecords(0).getProducerIdKey().getKey());
        MetadataImage.Applied second = apply(image, racing);
        assertTrue(second.accepted(), "a racing batch is not rejected for its key");
        assertEquals(image.producerIdKey(), second.image().producerIdKey(), "the first key stays");

        MetadataBatch later = BrokerDecisions.allocateProducerIds(image, 1, 1000);
        assertSame(later, keys.ensured(image, later), "nothing added once the image has a key");
        assertEquals(image, MetadataImage.fromProto(image.toProto()), "the key is in the snapshot");
    }

    @Test
    void aKeyOfTheWrongLengthIsRejected() {
        MetadataImage.Applied applied = apply(MetadataImage.EMPTY, MetadataBatch.newBuilder().addRecords(MetadataRecord.newBuilder()
            .setProducerIdKey(ProducerIdKeyRecord.newBuilder().setKey(ByteString.copyFromUtf8("short")))).build());
        assertEquals(ErrorCode.INVALID_REQUEST, applied.error());
        assertEquals("a producer-id key must be 32 bytes, got 5", applied.message());
        assertTrue(applied.image().producerIdKey().isEmpty());
    }
}
