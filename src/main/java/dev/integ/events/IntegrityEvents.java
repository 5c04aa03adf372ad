package dev.integ.events;

import dev.integ.keys.IntegrityAlarm;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Records integrity failures of key material (the data keyset, the event log's HMAC key, the master
 * key) as {@code integrity.failure} events. Fail open, like every read: the command still fails with
 * its own message when the event cannot be written. The events name no provider and no user, so
 * writing them needs neither the HMAC key nor the master key, either of which may be the damaged
 * thing. Each failure is recorded once per invocation, however often the command runs into it.
 */
public final class IntegrityEvents implements IntegrityAlarm {
    private final Supplier<EventLog> log;
    private final Set<String> raised = ConcurrentHashMap.newKeySet();

    /** @param log asked only when a failure is raised */
    public IntegrityEvents(Supplier<EventLog> log) {
        this.log = log;
    }

    @Override
    public void raise(String key, String masterKey, String reason) {
        if (!raised.add(key + "\n" + masterKey + "\n" + reason)) {
            return;
        }
        Map<String, String> details = new LinkedHashMap<>();
        details.put("key", key);
        details.put("master_key", masterKey);
        details.put("reason", reason);
        try {
            log.get().recordQuietly(SecurityEvent.failure("integrity.failure", null, null, details), notRecorded -> { });
        } catch (RuntimeException noLog) {
            // the log could not even be opened (a broken config, say): the caller reports its own failure
        }
    }
}
