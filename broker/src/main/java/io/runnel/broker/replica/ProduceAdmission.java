package io.runnel.broker.replica;

import io.runnel.broker.auth.AuthorizationException;
import io.runnel.log.ValidatedBatches;

/**
 * A caller's check of a partition's batches once they are validated and before anything of them
 * is appended: the produce path takes what it needs (the producer id, say) from the validation's
 * result rather than reading the batch headers again. A refusal fails that partition alone.
 */
@FunctionalInterface
public interface ProduceAdmission {
    /** Admits every batch: the brokers' own writes. */
    ProduceAdmission ALL = batches -> {
    };

    /** @throws AuthorizationException to refuse the partition's batches, with the code and message it carries */
    void admit(ValidatedBatches batches);
}
