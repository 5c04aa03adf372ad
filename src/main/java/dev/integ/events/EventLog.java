package dev.integ.events;

import java.util.function.Consumer;

/**
 * Where commands record security events. Fail closed: {@link #record} throws (an IntegException
 * with exit code 4 or 5) when the event cannot be written, and a command that changes credentials
 * or keys records before it changes anything, so nothing changes unrecorded.
 */
public interface EventLog {

    void record(SecurityEvent event);

    /** For reads, which fail open (documented per command): records, or reports the failure to {@code onFailure}. */
    default void recordQuietly(SecurityEvent event, Consumer<RuntimeException> onFailure) {
        try {
            record(event);
        } catch (RuntimeException e) {
            onFailure.accept(e);
        }
    }
}
