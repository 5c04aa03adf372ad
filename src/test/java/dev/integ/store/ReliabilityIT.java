package dev.integ.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.Services;
import dev.integ.testing.Cli;
import dev.integ.testing.ObservableState;
import dev.integ.testing.fakes.RefreshLedger;
import dev.integ.testing.reliability.ClusterSet;
import dev.integ.testing.reliability.Lane;
import dev.integ.testing.reliability.ReliabilityRig;
import dev.integ.testing.reliability.ReliabilityRig.Run;
import dev.integ.testing.reliability.SentinelSet;
import dev.integ.testing.reliability.Topology;
import dev.integ.vault.CredentialVault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12's reliability suite, on real processes: a 3-primary/3-replica Redis Cluster and a
 * 1 primary + 1 replica + 3 Sentinel set-up, with integ's default replica acknowledgement (1).
 * <ol>
 *   <li>Smoke: every integ command once on the topology (in this JVM, quick).</li>
 *   <li>Failovers: while real ./integ processes run `refresh jira --all` (a provider with strict
 *       refresh-token rotation), `keys rotate` / `keys rewrap`, an import loop and one `events tail`,
 *       a primary is killed with -9 (Sentinel, then a SENTINEL FAILOVER; Cluster: the shard of the event
 *       log, then the keyset's shard) and the run waits, on the servers' state, until the replica took
 *       over and the set-up is whole again.</li>
 *   <li>Afterwards: every credential an import that exited 0 wrote is there and decrypts; every failed
 *       import, refresh and rewrap completes when run again; every refreshed credential holds its grant's
 *       newest refresh token and none was redeemed twice; the event chain verifies; `events tail` printed
 *       every event of its window once, and whatever it printed that the log no longer has it named as
 *       withdrawn on stderr.</li>
 * </ol>
 * The counts go to stdout for CI's log. {@code -Dreliability.seed=N} replays the run's choices (timing
 * differs), {@code -Dreliability.failovers=N} fails over more often (default 2 per topology).
 */
class ReliabilityIT {
    private static final long SEED = Long.getLong("reliability.seed", new SecureRandom().nextLong());
    private static final int FAILOVERS = Integer.getInteger("reliability.failovers", 2);
    private static final Duration PROGRESS = Duration.ofSeconds(120);
    private static final int SEEDED = 12;
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // the in-process smoke runs would otherwise log every Sentinel listener's chatter (the launcher turns it off too)
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
    }

    @Test
    void sentinelFailoversLoseNothingAcknowledged(@TempDir Path dir) throws Exception {
        long start = System.nanoTime();
        try (Topology sentinel = SentinelSet.start(); ReliabilityRig rig = ReliabilityRig.start(sentinel, dir)) {
            System.out.printf("reliability sentinel: set up in %.1f s%n", (System.nanoTime() - start) / 1e9);
            exercise(rig);
        }
    }

    @Test
    void clusterFailoversLoseNothingAcknowledged(@TempDir Path dir) throws Exception {
        long start = System.nanoTime();
        try (Topology cluster = ClusterSet.start("integ"); ReliabilityRig rig = ReliabilityRig.start(cluster, dir)) {
            System.out.printf("reliability cluster: set up in %.1f s%n", (System.nanoTime() - start) / 1e9);
            exercise(rig);
        }
    }

    private void exercise(ReliabilityRig rig) throws Exception {
        Report report = new Report(rig.topology().name());
        smoke(rig, report);
        report.phases.add(String.format("smoke done at %.0f s", report.seconds()));
        chaos(rig, report);
        report.phases.add(String.format("checks done at %.0f s", report.seconds()));
        System.out.println(report.render());
        assertThat(report.violations).as("reliability run on %s with seed %d", rig.topology().name(), SEED).isEmpty();
    }

    // ---------------------------------------------------------------- 1. every command once

    private void smoke(ReliabilityRig rig, Report report) {
        Cli cli = rig.cli();
        List<String> lines = new ArrayList<>();
        IntStream.rangeClosed(1, 3).forEach(i -> lines.add(rig.jiraLine("smoke-" + i)));
        lines.add(rig.googleLine("smoke-google"));
        Path file = rig.importFile("smoke", lines);
        List<String[]> commands = List.of(
                args("keys", "init"),
                args("doctor"),
                args("store", "status"),
                args("store", "acl", "--role", "operator"),
                args("providers"),
                args("providers", "show", "jira"),
                args("import", "--file", file.toString()),
                args("list"),
                args("show", "jira", "--user", "smoke-1"),
                args("token", "jira", "--user", "smoke-1", "--min-valid", "2h"),
                args("refresh", "jira", "--user", "smoke-2"),
                args("refresh", "jira", "--all", "--expiring-within", "2h"),
                args("connect", "jira", "--user", "smoke-connect", "--timeout", "30s"),
                args("keys", "status"),
                args("keys", "rotate", "--wait", "10s"),
                args("keys", "rewrap", "--wait", "10s"),
                args("revoke", "jira", "--user", "smoke-connect", "--yes"),
                args("forget", "google", "--user", "smoke-google", "--yes"),
                args("ratelimit", "test", "jira", "--user", "smoke-1", "-n", "20", "--dry-run"),
                args("ratelimit", "status", "jira", "--user", "smoke-1"),
                args("ratelimit", "reset", "jira", "--user", "smoke-1", "--yes"),
                args("events", "--limit", "5"),
                args("events", "--user", "smoke-1", "-o", "json"),
                args("events", "hash-user", "smoke-1"),
                args("events", "stats", "--since", "1h"),
                args("events", "verify"),
                args("events", "check"),
                args("events", "tail", "--from-id", "0", "--max-events", "3"),
                args("keys", "rotate-master", "--delete-previous", "--wait", "10s"));
        for (String[] command : commands) {
            Cli.Result r = cli.run(command);
            report.operations++;
            if (r.exitCode() != 0) {
                report.violations.add("smoke: integ " + String.join(" ", command) + " exited " + r.exitCode() + ": " + firstLines(r.err()));
            }
        }
    }

    // ---------------------------------------------------------------- 2. failovers under load

    private void chaos(ReliabilityRig rig, Report report) throws Exception {
        List<String> seeded = IntStream.range(0, SEEDED).mapToObj(i -> "hot-" + i).toList();
        Run seed = rig.run("import", "--file", rig.importFile("seed", seeded.stream().map(rig::jiraLine).toList()).toString());
        assertThat(seed.exitCode()).as("seeding import: %s", seed.err()).isZero();

        String tailFrom = newestEventId(rig);
        Run tail = rig.launch("events", "tail", "-o", "json", "--from-id", tailFrom);
        List<List<String>> batches = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        // each loop draws from its own generator, so a seed replays each loop's choices whatever the interleaving
        Random importChoices = new Random(SEED);
        Random refreshChoices = new Random(SEED + 1);
        Lane imports = new Lane(rig, "import", n -> {
            int size = 2 + importChoices.nextInt(6);
            List<String> users = IntStream.range(0, size).mapToObj(i -> "imp-" + n + "-" + i).toList();
            synchronized (batches) {
                batches.add(users);
                files.add(rig.importFile("imp-" + n, users.stream().map(rig::googleLine).toList()));
                return args("import", "--file", files.get(n).toString());
            }
        });
        Lane refreshes = new Lane(rig, "refresh-all", n -> args("refresh", "jira", "--all", "--expiring-within", "2h",
                "--concurrency", Integer.toString(1 + refreshChoices.nextInt(4))));
        Lane keys = new Lane(rig, "keys", n -> n % 2 == 0 ? args("keys", "rotate", "--wait", "20s") : args("keys", "rewrap", "--wait", "20s"));
        List<Lane> lanes = List.of(imports, refreshes, keys);
        lanes.forEach(Thread::start);
        try {
            for (Lane lane : lanes) {
                lane.awaitSuccess(PROGRESS);
            }
            report.phases.add(String.format("lanes under way at %.0f s", report.seconds()));
            for (int round = 1; round <= FAILOVERS; round++) {
                long failoverStart = System.nanoTime();
                String what = rig.topology().failOver(round);
                report.failoverLog.add(String.format("%s (at %.0f s, whole again after %.1f s)", what, report.seconds(),
                        (System.nanoTime() - failoverStart) / 1e9));
                report.failovers++;
                // each loop gets through a command on the topology as it is now before the next failover
                for (Lane lane : lanes) {
                    lane.awaitSuccess(PROGRESS);
                }
            }
        } finally {
            for (Lane lane : lanes) {
                lane.finish();
            }
        }
        report.phases.add(String.format("lanes stopped at %.0f s", report.seconds()));
        lanes.forEach(l -> report.operations += l.runs().size());
        report.operations += 2;

        checkTail(rig, tail, tailFrom, report);
        checkImports(rig, imports, batches, files, report);
        checkRefreshes(rig, refreshes, seeded, report);
        Run rewrap = rig.run("keys", "rewrap", "--wait", "20s");
        report.operations++;
        long failedKeyJobs = keys.runs().stream().filter(r -> !r.succeeded()).count();
        if (!rewrap.succeeded()) {
            report.violations.add("keys rewrap after the failovers exited " + rewrap.exitCode() + ": " + rewrap.errorLine());
        }
        report.reruns.add(failedKeyJobs + " failed key jobs: a rewrap afterwards exited " + rewrap.exitCode());
        Run verify = rig.run("events", "verify");
        report.operations++;
        if (!verify.succeeded()) {
            report.violations.add("events verify after the failovers exited " + verify.exitCode() + ": " + firstLines(verify.out() + verify.err()));
        }
        report.lanes.add("import: " + imports.summary());
        report.lanes.add("refresh jira --all: " + refreshes.summary());
        report.lanes.add("keys rotate/rewrap: " + keys.summary());
        failures(imports, report);
        failures(refreshes, report);
        failures(keys, report);
    }

    // ---------------------------------------------------------------- 3. the checks

    /** Every credential an import that exited 0 wrote is there and decrypts; the failed ones complete when run again. */
    private void checkImports(ReliabilityRig rig, Lane imports, List<List<String>> batches, List<Path> files, Report report) {
        List<Run> runs = imports.runs();
        List<Integer> failed = new ArrayList<>();
        for (int n = 0; n < runs.size(); n++) {
            if (runs.get(n).succeeded()) {
                report.acknowledged += batches.get(n).size();
            } else {
                failed.add(n);
            }
        }
        // --replace: a rerun after an unconfirmed write writes the lines again, so they are confirmed now
        for (int n : failed) {
            Run again = rig.run("import", "--file", files.get(n).toString(), "--replace");
            report.operations++;
            if (!again.succeeded()) {
                report.violations.add("import " + n + " failed with " + runs.get(n).exitCode() + " and its rerun exited " + again.exitCode()
                        + ": " + again.errorLine());
            }
        }
        report.reruns.add(failed.size() + " failed imports run again with --replace");
        Set<String> stored = listed(rig, report);
        for (int n = 0; n < runs.size(); n++) {
            List<String> missing = batches.get(n).stream().filter(u -> !stored.contains(u)).toList();
            if (!missing.isEmpty()) {
                if (runs.get(n).succeeded()) {
                    report.lost += missing.size();
                }
                report.violations.add("import " + n + " (exit " + runs.get(n).exitCode() + ", then rerun) is missing " + missing);
            }
        }
    }

    /** The users `list` shows: it decrypts every record, and exits non-zero when one does not. */
    private Set<String> listed(ReliabilityRig rig, Report report) {
        Run list = rig.run("list", "-o", "json");
        report.operations++;
        if (!list.succeeded()) {
            report.violations.add("list exited " + list.exitCode() + ": " + list.errorLine());
            return Set.of();
        }
        Set<String> users = new HashSet<>();
        try {
            for (JsonNode c : JSON.readTree(list.out())) {
                users.add(c.get("user").asText());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return users;
    }

    /**
     * A failed `refresh --all` completes when run again, and then every seeded credential holds the
     * newest refresh token of its grant: a refresh whose new token was not stored would leave a spent
     * one, and the strict fake would have revoked the grant at its next presentation.
     */
    private void checkRefreshes(ReliabilityRig rig, Lane refreshes, List<String> seeded, Report report) {
        Run again = rig.run("refresh", "jira", "--all", "--expiring-within", "2h");
        report.operations++;
        long failed = refreshes.runs().stream().filter(r -> !r.succeeded()).count();
        report.reruns.add(failed + " failed refresh --all runs: one afterwards exited " + again.exitCode());
        if (!again.succeeded()) {
            report.violations.add("refresh --all after the failovers exited " + again.exitCode() + ": " + firstLines(again.out() + again.err()));
        }
        try (Services services = rig.services()) {
            CredentialVault vault = services.vault();
            for (String user : seeded) {
                Optional<CredentialVault.Opened> opened = vault.read(ReliabilityRig.PROVIDER, user);
                if (opened.isEmpty()) {
                    report.lost++;
                    report.violations.add("jira/" + user + " is gone");
                    continue;
                }
                Optional<RefreshLedger.TokenFacts> facts = rig.jira.refreshTokenFacts(opened.get().secrets().revealRefreshToken());
                if (facts.isEmpty()) {
                    report.violations.add("jira/" + user + " holds a refresh token the provider never issued");
                } else if (!facts.get().newestOfGrant() || facts.get().grantRevoked()) {
                    report.lost++;
                    RefreshLedger.TokenFacts f = facts.get();
                    report.violations.add("jira/" + user + " holds refresh token #" + f.serial() + " of grant #" + f.grant() + ", not its newest #"
                            + f.newestSerial() + (f.grantRevoked() ? " (grant revoked)" : "") + ", issued to " + f.issuedTo());
                }
            }
        }
        List<RefreshLedger.Redemption> all = rig.jira.ledger().redemptions();
        report.acknowledged += all.stream().filter(RefreshLedger.Redemption::accepted).count();
        for (RefreshLedger.Redemption twice : rig.jira.ledger().doubleRedemptions()) {
            report.violations.add("refresh token #" + twice.token() + " of grant #" + twice.grant() + " presented again (presentation "
                    + twice.attempt() + ") by " + twice.caller());
        }
    }

    /**
     * `events tail` printed every event of its window (after {@code from}, up to a marker appended once
     * everything else stopped) exactly once, in order; what it printed that the log does not have (an
     * event a demoted primary took and lost at its resync) it named as withdrawn on stderr.
     */
    private void checkTail(ReliabilityRig rig, Run tail, String from, Report report) {
        Run marker = rig.run("ratelimit", "reset", "jira", "--user", "tail-marker", "--yes");
        assertThat(marker.exitCode()).as("marker event: %s", marker.err()).isZero();
        String last = newestEventId(rig);
        ObservableState.await(PROGRESS, "events tail prints the marker " + last, () -> tail.out().contains("\"id\":\"" + last + "\""));
        tail.stop();
        List<String> printed = new ArrayList<>();
        try {
            for (String line : tail.out().lines().toList()) {
                printed.add(JSON.readTree(line).get("id").asText());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> logged = new ArrayList<>();
        try (Services services = rig.services()) {
            String cursor = from;
            while (true) {
                List<StreamEntry> page = services.store().redis().xrange(services.store().keys().events(),
                        "(" + cursor, last, 1000);
                if (page.isEmpty()) {
                    break;
                }
                page.forEach(e -> logged.add(e.getID().toString()));
                cursor = page.get(page.size() - 1).getID().toString();
                if (new StreamEntryID(cursor).compareTo(new StreamEntryID(last)) >= 0) {
                    break;
                }
            }
        }
        Set<String> seen = new HashSet<>();
        List<String> duplicates = printed.stream().filter(id -> !seen.add(id)).toList();
        Set<String> printedSet = new LinkedHashSet<>(printed);
        List<String> missed = logged.stream().filter(id -> !printedSet.contains(id)).toList();
        List<String> withdrawn = printed.stream().filter(id -> !logged.contains(id)).toList();
        List<String> inLogOrder = printed.stream().filter(logged::contains).toList();
        report.tail = printed.size() + " events printed, " + logged.size() + " in the log for its window, " + duplicates.size() + " duplicates, "
                + missed.size() + " missed, " + withdrawn.size() + " withdrawn";
        if (!duplicates.isEmpty()) {
            report.violations.add("events tail printed " + duplicates.size() + " events twice: " + abbreviate(duplicates));
        }
        if (!missed.isEmpty()) {
            report.violations.add("events tail missed " + missed.size() + " of the log's " + logged.size() + " events: " + abbreviate(missed));
        }
        if (!inLogOrder.equals(logged.stream().filter(printedSet::contains).toList())) {
            report.violations.add("events tail printed the log's events out of order");
        }
        List<String> unnamed = withdrawn.stream().filter(id -> !tail.err().contains(id)).toList();
        if (!unnamed.isEmpty()) {
            report.violations.add("events tail printed " + unnamed.size() + " events the log does not have, without saying so: " + abbreviate(unnamed));
        }
    }

    private static String newestEventId(ReliabilityRig rig) {
        try (Services services = rig.services()) {
            return services.eventReader().lastId();
        }
    }

    // ---------------------------------------------------------------- the report

    private static final class Report {
        final String topology;
        final List<String> violations = new ArrayList<>();
        final List<String> failoverLog = new ArrayList<>();
        final List<String> lanes = new ArrayList<>();
        final List<String> reruns = new ArrayList<>();
        final List<String> failureKinds = new ArrayList<>();
        int operations;
        int failovers;
        long acknowledged;
        long lost;
        String tail = "not checked";
        final List<String> phases = new ArrayList<>();
        final long start = System.nanoTime();

        Report(String topology) {
            this.topology = topology;
        }

        double seconds() {
            return (System.nanoTime() - start) / 1e9;
        }

        String render() {
            StringBuilder s = new StringBuilder();
            s.append("reliability ").append(topology).append(" (seed ").append(SEED).append("): ").append(operations).append(" operations, ")
                    .append(failovers).append(" failovers, ").append(acknowledged).append(" writes acknowledged (credentials of imports that exited 0, refreshes the provider accepted), ").append(lost)
                    .append(" writes lost\n");
            s.append("  ").append(String.join(", ", phases)).append('\n');
            failoverLog.forEach(f -> s.append("  failover: ").append(f).append('\n'));
            lanes.forEach(l -> s.append("  lane ").append(l).append('\n'));
            failureKinds.forEach(f -> s.append("    ").append(f).append('\n'));
            reruns.forEach(r -> s.append("  rerun: ").append(r).append('\n'));
            s.append("  events tail: ").append(tail).append('\n');
            violations.forEach(v -> s.append("  VIOLATION: ").append(v).append('\n'));
            return s.toString();
        }
    }

    /**
     * What the failed runs of a lane said, counted by message (numbers blanked). A store failing over is
     * "retry later": exit 4 with a sentence, never exit 1, an unexpected exception or a stack trace.
     */
    private static void failures(Lane lane, Report report) {
        Map<String, Long> kinds = new TreeMap<>();
        for (Run r : lane.runs()) {
            if (!r.succeeded() && (r.exitCode() != 4 || r.err().contains("unexpected") || r.err().contains("\tat "))) {
                report.violations.add(r + " failed other than with exit 4 (retry later): " + r.errorLine());
            }
            if (!r.succeeded()) {
                kinds.merge(lane.getName() + " exit " + r.exitCode() + ": " + r.errorLine().replaceAll("\\d+", "N"), 1L, Long::sum);
            }
        }
        kinds.forEach((k, v) -> report.failureKinds.add(v + " × " + k));
    }

    private static String[] args(String... args) {
        return args;
    }

    private static String firstLines(String text) {
        return String.join(" / ", text.lines().filter(l -> !l.isBlank()).limit(3).toList());
    }

    private static String abbreviate(List<String> ids) {
        return ids.size() <= 10 ? String.join(", ", ids) : String.join(", ", ids.subList(0, 10)) + " and " + (ids.size() - 10) + " more";
    }
}
