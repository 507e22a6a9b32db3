package io.runnel.broker.replica;

/**
 * One partition's outcome of a produce.
 *
 * @param baseOffset     offset of the first record written, or -1 on error or with acks=0
 * @param logStartOffset the partition's log start offset, or -1 on error
 * @param error          null on success; else the reason (a PartitionException, a corrupt batch,
 *                       an unknown partition, a timeout...), mapped to an error code by the service
 */
public record ProduceResult(long baseOffset, long logStartOffset, RuntimeException error) {
    public static ProduceResult failed(RuntimeException error) {
        return new ProduceResult(-1, -1, error);
    }

    public boolean succeeded() {
        return error == null;
    }
}
