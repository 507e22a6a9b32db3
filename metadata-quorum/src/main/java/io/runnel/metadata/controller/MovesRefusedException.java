package io.runnel.metadata.controller;

import io.runnel.proto.v1.ReassignmentRefusal;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A reassignment of several partitions refused as a whole because some of its moves are
 * ({@link PartitionDecisions#reassignPartitions}): nothing was proposed. The code is the first
 * refused move's; {@link #refusals()} names every refused move with its own code and reason.
 */
public final class MovesRefusedException extends ControllerException {
    private final List<ReassignmentRefusal> refusals;

    MovesRefusedException(List<ReassignmentRefusal> refusals, int moves) {
        super(refusals.get(0).getError(), "no partition moved: " + refusals.size() + " of " + moves + " moves refused: "
            + refusals.stream().map(r -> r.getTopic() + "-" + r.getPartition() + ": " + r.getError() + ": " + r.getErrorMessage())
                .collect(Collectors.joining("; ")));
        this.refusals = List.copyOf(refusals);
    }

    /** Each refused move, in the request's order. */
    public List<ReassignmentRefusal> refusals() {
        return refusals;
    }
}
