package io.runnel.broker.metadata;

import io.runnel.proto.v1.AllocateProducerIdsRequest;
import io.runnel.proto.v1.AllocateProducerIdsResponse;
import io.runnel.proto.v1.ErrorCode;
import java.util.function.LongSupplier;

/**
 * Hands out producer ids from a block the active controller reserved for this broker, reserving the
 * next block when one runs out.
 *
 * <p>Thread-safety: {@link #next} is synchronized on this object, which guards the block.
 */
final class ProducerIdBlocks {
    private final int brokerId;
    private final LongSupplier brokerEpoch;
    private final ControllerChannels controllers;
    private long nextProducerId = -1;
    private long producerIdBlockEnd = -1;

    ProducerIdBlocks(int brokerId, LongSupplier brokerEpoch, ControllerChannels controllers) {
        this.brokerId = brokerId;
        this.brokerEpoch = brokerEpoch;
        this.controllers = controllers;
    }

    /**
     * A fresh producer id from this broker's block, reserving a new block through the active
     * controller when it runs out.
     *
     * @throws IllegalStateException if no controller granted a block
     */
    synchronized long next() {
        if (nextProducerId < 0 || nextProducerId >= producerIdBlockEnd) {
            AllocateProducerIdsResponse r = controllers.forward(stub -> stub.allocateProducerIds(AllocateProducerIdsRequest.newBuilder()
                    .setBrokerId(brokerId).setBrokerEpoch(brokerEpoch.getAsLong()).build()),
                AllocateProducerIdsResponse::getControllerId,
                resp -> resp.getError() == ErrorCode.NOT_CONTROLLER).join();
            if (r.getError() != ErrorCode.NONE) {
                throw new IllegalStateException("no producer ids: " + r.getError() + " " + r.getErrorMessage());
            }
            nextProducerId = r.getFirstProducerId();
            producerIdBlockEnd = r.getFirstProducerId() + r.getCount();
        }
        return nextProducerId++;
    }
}
