package io.runnel.metadata.controller;

import com.google.protobuf.ByteString;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.MetadataRecord;
import io.runnel.proto.v1.ProducerIdKeyRecord;
import java.security.SecureRandom;

/**
 * Makes the cluster's producer-id key (ProducerIdKeyRecord, metadata.proto): the active controller
 * adds one to each broker registration and producer-id block while the image has none. A broker
 * is ready only once it has applied its own registration, so every ready broker has the key, and
 * a cluster upgraded from before keys gets one at its next registration. Two batches racing may
 * both carry one; the image keeps the first.
 *
 * <p>Thread-safety: safe from any thread.
 */
final class ProducerIdKeys {
    private final SecureRandom random = new SecureRandom();

    /** {@code batch} with a fresh key in front if {@code image} has none, else {@code batch} itself. */
    MetadataBatch ensured(MetadataImage image, MetadataBatch batch) {
        if (!image.producerIdKey().isEmpty()) {
            return batch;
        }
        byte[] key = new byte[MetadataImage.PRODUCER_ID_KEY_BYTES];
        random.nextBytes(key);
        return batch.toBuilder().addRecords(0, MetadataRecord.newBuilder()
            .setProducerIdKey(ProducerIdKeyRecord.newBuilder().setKey(ByteString.copyFrom(key)))).build();
    }
}
