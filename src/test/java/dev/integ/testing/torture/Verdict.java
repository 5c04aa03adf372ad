package dev.integ.testing.torture;

import dev.integ.core.IntegException;
import dev.integ.store.RedisKeys;
import dev.integ.testing.VaultFixture;
import dev.integ.testing.fakes.RefreshLedger;
import dev.integ.vault.CredentialVault;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The invariants, checked once no process runs any more, against what the store holds, what the fake
 * provider's ledger saw and what each process claimed by its exit code:
 * <ol>
 *   <li>every record decrypts (`list` exits 0, `keys status` counts no record under no key, each record opens);</li>
 *   <li>every credential holds the newest refresh token of its grant;</li>
 *   <li>no refresh token was redeemed twice;</li>
 *   <li>no credential was silently replaced by an older one, or brought back after a later forget;</li>
 *   <li>nothing a successful command wrote is missing unless a forget may have come after it;</li>
 *   <li>every process ended with a documented exit code, without a stack trace, in time, and reported no
 *       record as damaged that is not.</li>
 * </ol>
 * What no design can prevent is counted, not blamed: a process killed (or failing, or frozen by SIGSTOP
 * for longer than any lock lease) after the provider spent a refresh token but before the successor was
 * stored leaves the credential with the spent token, and the next refresh of it is a second redemption.
 * Every message names credentials, operations and token numbers from the fake's ledger, never a token.
 */
public final class Verdict {
    final List<String> violations = new ArrayList<>();
    final List<String> excused = new ArrayList<>();
    int recordsChecked;
    int withRefreshToken;
    int damaged;
    int missing;
    int stale;
    int spentAndLost;
    int olderGrants;
    int deadGrants;
    int doubleRedemptions;
    KeyStatus keys;

    private final TortureRig rig;
    private final List<Op> ops;
    private final List<RefreshLedger.Redemption> redemptions;
    private final Map<String, RefreshLedger.TokenFacts> stored = new TreeMap<>(); // user -> facts of the stored refresh token
    private final Set<String> present = new HashSet<>();

    private Verdict(TortureRig rig) {
        this.rig = rig;
        this.ops = rig.ops();
        this.redemptions = rig.jira.ledger().redemptions();
    }

    public static Verdict check(TortureRig rig) {
        Verdict v = new Verdict(rig);
        v.everyRecordDecrypts();
        v.newestRefreshTokens();
        v.noDoubleRedemption();
        v.nothingOlderWon();
        v.nothingMissing();
        v.processesBehaved();
        return v;
    }

    // ---------------------------------------------------------------- 1. every record decrypts

    private void everyRecordDecrypts() {
        Op list = rig.run(Op.Kind.LIST, "check", null, "list");
        if (!list.succeeded()) {
            violations.add("integ list exited " + list.exitCode() + ": " + list.stderrHead);
        }
        Op status = rig.run(Op.Kind.STATUS, "check", null, "keys", "status", "-o", "json");
        if (status.succeeded()) {
            keys = KeyStatus.parse(rig.stdout(status));
            if (keys.unknownKeyRecords() > 0) {
                violations.add(keys.unknownKeyRecords() + " records are under no key of the keyset (keys status: " + keys + ")");
            }
        } else {
            violations.add("integ keys status exited " + status.exitCode() + ": " + status.stderrHead);
        }
        CredentialVault vault = rig.vault.vault(VaultFixture.NS);
        RedisKeys names = rig.vault.keys(VaultFixture.NS);
        List<String> unreadable = new ArrayList<>();
        for (String key : rig.vault.credentialKeys()) {
            String[] pu = names.credentialOf(key);
            recordsChecked++;
            try {
                Optional<CredentialVault.Opened> opened = vault.read(pu[0], pu[1]);
                if (opened.isEmpty()) {
                    continue;
                }
                present.add(pu[1]);
                String refresh = opened.get().secrets().revealRefreshToken();
                if (refresh == null) {
                    continue;
                }
                withRefreshToken++;
                Optional<RefreshLedger.TokenFacts> facts = rig.jira.refreshTokenFacts(refresh);
                if (facts.isEmpty()) {
                    violations.add(pu[0] + "/" + pu[1] + " holds a refresh token the provider never issued");
                } else {
                    stored.put(pu[1], facts.get());
                }
            } catch (IntegException damage) {
                present.add(pu[1]);
                unreadable.add(pu[0] + "/" + pu[1]);
            }
        }
        damaged = unreadable.size();
        if (damaged > 0) {
            violations.add(damaged + " records do not decrypt: " + abbreviate(unreadable));
        }
    }

    // ---------------------------------------------------------------- 2. the newest refresh token

    private void newestRefreshTokens() {
        stored.forEach((user, t) -> {
            if (t.grantRevoked()) {
                deadGrants++;
            }
            if (t.newestOfGrant()) {
                return;
            }
            stale++;
            String what = "jira/" + user + " holds refresh token #" + t.serial() + " of grant #" + t.grant() + ", not its newest #" + t.newestSerial();
            Optional<RefreshLedger.Redemption> spent = firstAccepted(t.serial());
            Op spender = spent.map(r -> rig.op(r.caller())).orElse(null);
            boolean presentedAgain = redemptions.stream().anyMatch(r -> r.token() == t.serial() && r.attempt() > 1);
            if (spender != null && (spender.killed() || spender.failed())) {
                excused.add(what + ": " + spender.describe() + " redeemed it and ended before storing #" + spent.get().successor());
            } else if (spender != null && spender.stopped && presentedAgain) {
                excused.add(what + ": " + spender.describe() + " redeemed it, then stood still past its lock, and another refresh presented it again");
            } else {
                spentAndLost++;
                violations.add(what + (spender == null ? "" : ": " + spender.describe() + " redeemed it and reported success"));
            }
        });
    }

    // ---------------------------------------------------------------- 3. no refresh token redeemed twice

    private void noDoubleRedemption() {
        Set<Integer> storedSerials = new HashSet<>();
        stored.values().forEach(t -> storedSerials.add(t.serial()));
        Set<Integer> presented = new HashSet<>();
        redemptions.forEach(r -> presented.add(r.token()));
        for (RefreshLedger.Redemption again : rig.jira.ledger().doubleRedemptions()) {
            Optional<RefreshLedger.Redemption> first = firstAccepted(again.token());
            if (first.isEmpty() || first.get().sequence() > again.sequence()) {
                continue; // refused every time: its grant was already dead, counted where it died
            }
            doubleRedemptions++;
            Op firstBy = rig.op(first.get().caller());
            Op againBy = rig.op(again.caller());
            String what = "refresh token #" + again.token() + " of grant #" + again.grant() + " redeemed again (presentation "
                    + again.attempt() + ") by " + describe(againBy, again.caller()) + " after " + describe(firstBy, first.get().caller());
            int successor = first.get().successor();
            boolean successorNeverUsed = successor != 0 && !presented.contains(successor) && !storedSerials.contains(successor);
            if (firstBy != null && (firstBy.killed() || firstBy.failed()) && successorNeverUsed) {
                excused.add(what + ", which ended before storing its successor #" + successor);
            } else if (firstBy != null && firstBy.stopped && successorNeverUsed) {
                // a scene froze it for longer than any lock lease: a lease cannot outlive a process that does not run
                excused.add(what + ", which stood still (SIGSTOP) before storing its successor #" + successor);
            } else {
                violations.add(what);
            }
        }
    }

    // ---------------------------------------------------------------- 4. nothing older won

    private void nothingOlderWon() {
        stored.forEach((user, t) -> {
            Op installer = t.grantCreator() != null ? rig.op(t.grantCreator()) : rig.seededBy(t.grant());
            if (installer == null) {
                violations.add("jira/" + user + " holds grant #" + t.grant() + ", which no operation of this run installed");
                return;
            }
            // who wrote the stored token last: the refresh that was issued it, else the installer itself
            Op writer = t.issuedTo() != null && rig.op(t.issuedTo()) != installer ? rig.op(t.issuedTo()) : null;
            String writtenBy = writer == null ? "" : " (its refresh token #" + t.serial() + " written by " + writer.describe() + ")";
            for (Op later : ops) {
                if (later == installer || !later.succeeded() || !installer.endedBefore(later)) {
                    continue;
                }
                String what = later.writes(user) ? "stored another grant" : later.kind == Op.Kind.FORGET && user.equals(later.user) ? "forgot it" : null;
                if (what != null) {
                    olderGrants++;
                    violations.add("jira/" + user + " holds grant #" + t.grant() + " from " + installer.describe() + writtenBy + ", although "
                            + later.describe() + ", started after that ended, " + what + " and reported success");
                    return;
                }
            }
        });
    }

    // ---------------------------------------------------------------- 5. nothing missing

    private void nothingMissing() {
        Map<String, Op> firstLoss = new LinkedHashMap<>();
        for (Op op : ops) {
            if (!op.succeeded()) {
                continue;
            }
            Set<String> written = new HashSet<>(op.installs.keySet());
            if (op.kind == Op.Kind.CONNECT) {
                written.add(op.user);
            }
            for (String user : written) {
                if (present.contains(user)) {
                    continue;
                }
                boolean forgottenLater = ops.stream().anyMatch(f -> f.kind == Op.Kind.FORGET && user.equals(f.user) && f.endNanos() > op.startNanos());
                if (!forgottenLater) {
                    firstLoss.putIfAbsent(user, op);
                }
            }
        }
        missing = firstLoss.size();
        firstLoss.forEach((user, op) -> violations.add("jira/" + user + " is missing, though " + op.describe()
                + " wrote it and no forget came after"));
    }

    // ---------------------------------------------------------------- 6. processes behaved

    private void processesBehaved() {
        Set<String> keyIds = new HashSet<>();
        if (keys != null) {
            keys.keys().forEach(k -> keyIds.add(k.id()));
        }
        for (Op op : ops) {
            // a key in the keyset now was there all along since it was added (keys are never added back)
            op.unknownKeysReported.stream().filter(keyIds::contains).findFirst().ifPresent(k -> violations.add(op.describe()
                    + " reported records under key " + k + " as damaged, though that key is in the keyset: a false integrity alarm"
                    + " from a keyset loaded before the key was added"));
            if (op.timedOut) {
                violations.add(op.describe() + " did not end within " + Worker.LONGEST_COMMAND.toSeconds() + " s");
            } else if (op.stackTrace) {
                violations.add(op.describe() + " printed a stack trace or a raw exception: " + op.stderrHead);
            } else if (!op.killed() && (op.exitCode() < 0 || op.exitCode() > 5)) {
                violations.add(op.describe() + " exited with an undocumented code: " + op.stderrHead);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The presentation that spent this token, if any. */
    private Optional<RefreshLedger.Redemption> firstAccepted(int token) {
        return redemptions.stream().filter(r -> r.token() == token && r.accepted()).findFirst();
    }

    private static String describe(Op op, String caller) {
        return op != null ? op.describe() : caller == null ? "an untagged request" : caller;
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 10 ? String.join(", ", names) : String.join(", ", names.subList(0, 10)) + " and " + (names.size() - 10) + " more";
    }

    /** Lost credentials: damaged, missing, holding a spent token with no excuse, or replaced by an older grant. */
    int lost() {
        return damaged + missing + olderGrants + spentAndLost;
    }

    public boolean passed() {
        return violations.isEmpty();
    }

    /** The violations, one a line, for a failure message. */
    public String violations() {
        return violations.size() + " violations:\n  " + String.join("\n  ", violations);
    }

    static Map<String, Integer> histogram(List<Op> ops, Op.Kind kind) {
        Map<String, Integer> codes = new TreeMap<>();
        for (Op op : ops) {
            if (op.kind == kind) {
                codes.merge(op.killed() ? "killed" : op.timedOut ? "hung" : Integer.toString(op.exitCode()), 1, Integer::sum);
            }
        }
        return codes;
    }

    static Map<Op.Kind, Map<String, Integer>> histograms(List<Op> ops) {
        Map<Op.Kind, Map<String, Integer>> all = new LinkedHashMap<>();
        for (Op.Kind kind : Op.Kind.values()) {
            Map<String, Integer> h = histogram(ops, kind);
            if (!h.isEmpty()) {
                all.put(kind, h);
            }
        }
        return all;
    }
}
