package io.runnel.broker.testing;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Awaitility checks a condition at once instead of after its default poll delay (which is the poll
 * interval, 100 ms): a condition already true costs nothing, where it cost 100 ms per
 * {@code await()}, a few hundred of them per run. Timeouts and the poll interval are unchanged, and
 * an {@code await()} that sets its own {@code pollDelay} keeps it.
 *
 * <p>Registered for every test class of the modules whose test classpath holds this class (the
 * broker's and, through its test-jar, the client's): {@code junit-platform.properties} turns on
 * extension autodetection and {@code META-INF/services} names this class.
 */
public final class AwaitilityDefaults implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        Awaitility.setDefaultPollDelay(Duration.ZERO);
    }
}
