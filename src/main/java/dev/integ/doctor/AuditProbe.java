package dev.integ.doctor;

import dev.integ.core.IntegException;
import dev.integ.events.EventLog;
import dev.integ.events.EventQuery;
import dev.integ.events.EventReader;
import dev.integ.events.SecurityEvent;
import dev.integ.events.StoredEvent;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Proves the audit path the way a sensitive command uses it: appends a real {@code doctor.check} event
 * through the event log (fail closed, as {@code token} or {@code forget} would) and finds it again
 * through the reader. Whatever stops that (the events key holding another type, an ACL without XADD
 * or EVALSHA, a read-only replica) also stops every command that changes credentials or keys.
 */
public final class AuditProbe {
    /** Newest doctor.check events searched for ours: other doctors may be appending at the same time. */
    private static final int READ_BACK = 20;

    private final EventLog log;
    private final EventReader reader;
    private final String stream;
    private final String noMasterKey;
    private final String noMasterKeyHint;

    /** @param stream the events key, for messages */
    public AuditProbe(EventLog log, EventReader reader, String stream) {
        this(log, reader, stream, null, null);
    }

    private AuditProbe(EventLog log, EventReader reader, String stream, String noMasterKey, String noMasterKeyHint) {
        this.log = log;
        this.reader = reader;
        this.stream = stream;
        this.noMasterKey = noMasterKey;
        this.noMasterKeyHint = noMasterKeyHint;
    }

    /**
     * Every event is chained by a key kept under the master key, so without one no event can be
     * written: a store not set up yet, which the keyset check names too; a warning, not a failure.
     *
     * @param why why there is no master key to use ("no master key configured", "... not created yet")
     */
    public static AuditProbe withoutMasterKey(String stream, String why) {
        return new AuditProbe(null, null, stream, why, "run 'integ keys init' (with INTEG_MASTER_KEY_FILE or vault.master-key-file set); "
                + "until then token, forget, import, connect and keys fail");
    }

    /** The embedded store before its first use: the first command that records an event creates the master key. */
    public static AuditProbe beforeFirstUse(String stream, String why) {
        return new AuditProbe(null, null, stream, why, "nothing to do: the first command that needs it (connect, import, token...) creates it");
    }

    public Check check() {
        if (noMasterKey != null) {
            return Check.warn("audit", "not checked: every event is chained by a key under the master key (" + noMasterKey + ")",
                    noMasterKeyHint);
        }
        byte[] nonce = new byte[8];
        new SecureRandom().nextBytes(nonce);
        String probe = HexFormat.of().formatHex(nonce);
        try {
            log.record(SecurityEvent.success("doctor.check", null, null, Map.of("probe", probe)));
        } catch (IntegException e) {
            return Check.fail("audit", e.getMessage(), e.hint() != null ? e.hint()
                    : "until integ can write its event log, token, forget, import, connect and keys fail");
        }
        Optional<StoredEvent> found;
        try {
            List<StoredEvent> newest = new ArrayList<>();
            reader.query(new EventQuery(null, null, "doctor.check", null, null, null, READ_BACK, true, false), newest::add);
            found = newest.stream().filter(e -> probe.equals(e.details().get("probe"))).findFirst();
        } catch (IntegException e) {
            return Check.fail("audit", "appended a doctor.check event but cannot read the log back: " + e.getMessage(), e.hint() != null
                    ? e.hint() : "'integ events' needs XRANGE, XREVRANGE and XREAD on " + stream + "; check integ's Redis user (ACL)");
        }
        return found.map(e -> Check.ok("audit", "appended and read back a doctor.check event (" + e.id() + ") in " + stream))
                .orElseGet(() -> Check.fail("audit", "appended a doctor.check event to " + stream + " but it is not there",
                        "something trims, deletes or replaces " + stream + "; find it before trusting the log"));
    }
}
