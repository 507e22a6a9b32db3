package io.runnel.record;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A decoded record: absolute offset and timestamp, key and value (either may be null), headers.
 * Arrays are not copied; treat them as read-only.
 */
public record Record(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
    public Record {
        headers = List.copyOf(Objects.requireNonNull(headers, "headers must not be null (use an empty list)"));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Record r && offset == r.offset && timestamp == r.timestamp
            && Arrays.equals(key, r.key) && Arrays.equals(value, r.value) && headers.equals(r.headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(offset, timestamp, Arrays.hashCode(key), Arrays.hashCode(value), headers);
    }

    @Override
    public String toString() {
        return "Record[offset=" + offset + ", timestamp=" + timestamp + ", key="
            + (key == null ? "null" : key.length + " bytes") + ", value="
            + (value == null ? "null" : value.length + " bytes") + ", headers=" + headers + "]";
    }
}
