package io.runnel.broker.config;

import static io.runnel.broker.config.SettingValues.intIn;

import io.runnel.broker.replica.FetchLimits;
import java.util.List;
import java.util.Map;

/** The node settings bounding what one Fetch or ReplicaFetch may cost, read into a {@link FetchLimits}. */
final class FetchKeys {
    static final List<String> KEYS = List.of(FetchLimits.MAX_BYTES, FetchLimits.REPLICA_MAX_BYTES, FetchLimits.MAX_WAIT_MS,
        FetchLimits.MAX_PARKED, FetchLimits.MAX_CONVERTED_BATCH_BYTES);

    private FetchKeys() {
    }

    /** The keys above over {@link FetchLimits#DEFAULTS}; with a problem, the defaults (the problem is reported). */
    static FetchLimits parse(Map<String, String> settings, List<String> problems) {
        FetchLimits d = FetchLimits.DEFAULTS;
        int before = problems.size();
        int maxBytes = intIn(settings, FetchLimits.MAX_BYTES, 1024, FetchLimits.MAX_RESPONSE_BYTES, problems,
            Integer.toString(d.maxBytes()));
        int replicaMaxBytes = intIn(settings, FetchLimits.REPLICA_MAX_BYTES, 1024, FetchLimits.MAX_RESPONSE_BYTES, problems,
            Integer.toString(d.replicaMaxBytes()));
        int maxWait = intIn(settings, FetchLimits.MAX_WAIT_MS, 1, Integer.MAX_VALUE, problems, Long.toString(d.maxWaitMs()));
        int maxParked = intIn(settings, FetchLimits.MAX_PARKED, 1, 10_000_000, problems, Integer.toString(d.maxParked()));
        int maxConverted = intIn(settings, FetchLimits.MAX_CONVERTED_BATCH_BYTES, 1024, Integer.MAX_VALUE, problems,
            Integer.toString(Math.min(d.maxConvertedBatchBytes(), maxBytes)));
        return SettingValues.built(problems, before, d,
            () -> new FetchLimits(maxBytes, replicaMaxBytes, maxWait, maxParked, maxConverted));
    }
}
