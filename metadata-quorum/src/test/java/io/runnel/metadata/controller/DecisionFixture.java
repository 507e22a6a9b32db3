package io.runnel.metadata.controller;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;

/**
 * What the decision tests share: an image that each test's batches are applied to, one offset
 * each, live brokers to start from, and the code a refused decision throws.
 */
abstract class DecisionFixture {
    protected long index;
    protected MetadataImage image = MetadataImage.EMPTY;

    protected MetadataImage.Applied apply(MetadataBatch batch) {
        MetadataImage.Applied applied = image.apply(batch, 1, ++index);
        image = applied.image();
        return applied;
    }

    /** Brokers 1..count, registered and unfenced; with racks, broker i is in {@code racks[i % racks.length]}. */
    protected void brokers(int count, String... racks) {
        for (int id = 1; id <= count; id++) {
            apply(BrokerDecisions.registerBroker(image, id, "inc-" + id, "host" + id, 9092,
                racks.length == 0 ? "" : racks[id % racks.length], false));
            apply(BrokerDecisions.unfenceBroker(image, id, image.brokers().get(id).epoch()));
        }
    }

    protected static ErrorCode refusal(Runnable r) {
        return assertThrows(ControllerException.class, r::run).code();
    }
}
