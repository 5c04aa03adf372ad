package dev.integ.testing.torture;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One torture run: seeds credentials (an import and two sign-ins through the scripted browser), then
 * for a fixed time runs random commands in several lanes, scripted stalls in one more, kill -9 of random
 * processes and one Redis restart. The time is the run's budget, not a wait for a result: everything
 * it checks afterwards is state, and every process is waited for.
 */
public final class Torture {
    private final TortureRig rig;
    private final long seed;
    private final Duration chaos;
    private final int workers;
    private final Set<Op> running = ConcurrentHashMap.newKeySet();
    private Chaos blows;
    private Scenes keyScenes;
    private Scenes credentialScenes;
    private long startNanos;
    private long endNanos;

    public Torture(TortureRig rig, long seed, Duration chaos, int workers) {
        this.rig = rig;
        this.seed = seed;
        this.chaos = chaos;
        this.workers = workers;
    }

    /** Keys, the hot users by import, two of them again by sign-in. Fails the run when setting up fails. */
    public void seed() {
        // access tokens live 5 minutes: `token --min-valid 10m` refreshes every time, `--min-valid 1m` rarely
        rig.jira.accessTokenLifetime(Duration.ofMinutes(5));
        expectOk(rig.run(Op.Kind.INIT, "setup", null, "keys", "init"));
        Random random = new Random(seed);
        List<TortureRig.Line> lines = new ArrayList<>();
        for (String user : Worker.HOT_USERS) {
            lines.add(rig.line(user, Duration.ofSeconds(30 + random.nextInt(600))));
        }
        Op seedImport = rig.launchImport("setup", lines, false);
        rig.finish(seedImport, Worker.LONGEST_COMMAND);
        expectOk(seedImport);
        for (String user : Worker.HOT_USERS.subList(0, 2)) {
            expectOk(rig.run(Op.Kind.CONNECT, "setup", user, "connect", TortureRig.PROVIDER, "--user", user, "--timeout", "30s"));
        }
    }

    /** The chaos phase; returns when every lane has stopped and every process it started has ended. */
    public void chaos() throws InterruptedException {
        startNanos = System.nanoTime();
        long deadline = startNanos + chaos.toNanos();
        List<Thread> threads = new ArrayList<>();
        List<Worker> lanes = new ArrayList<>();
        for (int i = 1; i <= workers; i++) {
            Worker lane = new Worker(rig, seed + i, "w" + i, deadline, running);
            lanes.add(lane);
            threads.add(new Thread(lane, "torture-w" + i));
        }
        blows = new Chaos(rig, seed - 1, startNanos, deadline, running);
        keyScenes = new Scenes(rig, "scene-keys", Scenes.KEYS, seed - 2, deadline, running);
        credentialScenes = new Scenes(rig, "scene-cred", Scenes.CREDENTIALS, seed - 3, deadline, running);
        threads.add(new Thread(blows, "torture-chaos"));
        threads.add(new Thread(keyScenes, "torture-scene-keys"));
        threads.add(new Thread(credentialScenes, "torture-scene-cred"));
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            // every command a lane runs is bounded (Worker.LONGEST_COMMAND), so each lane ends soon after the deadline
            t.join(TimeUnit.MINUTES.toMillis(10));
            if (t.isAlive()) {
                throw new AssertionError(t.getName() + " did not stop");
            }
        }
        endNanos = System.nanoTime();
        List<Throwable> failures = new ArrayList<>();
        failures.add(blows.failure());
        failures.add(keyScenes.failure());
        failures.add(credentialScenes.failure());
        lanes.forEach(lane -> failures.add(lane.failure()));
        for (Throwable failure : failures) {
            if (failure != null) {
                throw new AssertionError("the torture rig itself failed", failure);
            }
        }
        for (Op op : rig.ops()) {
            if (op.exitCode() == -1) {
                throw new AssertionError("the torture rig left " + op.describe() + " unfinished");
            }
        }
        if (rig.restarts().isEmpty()) {
            throw new AssertionError("the run ended before Redis was restarted: give it more time (-Dtorture.seconds)");
        }
    }

    /** What CI logs show: the seed, counts per command and exit code, the blows dealt, and the verdict. */
    public String report(Verdict v) {
        List<Op> ops = rig.ops();
        StringBuilder s = new StringBuilder();
        s.append("torture: seed ").append(seed).append(", chaos ").append(chaos.toSeconds()).append(" s, ").append(workers)
                .append(" worker lanes + 2 scene lanes (replay with -Dtorture.seed=").append(seed).append(")\n");
        long inChaos = ops.stream().filter(op -> !op.lane.equals("setup") && !op.lane.equals("check")).count();
        s.append("operations: ").append(inChaos).append(" in ").append(Duration.ofNanos(endNanos - startNanos).toSeconds())
                .append(" s (exit codes)\n");
        Verdict.histograms(ops).forEach((kind, codes) -> {
            s.append(String.format("  %-12s %4d  %s%n", kind.label(), codes.values().stream().mapToInt(Integer::intValue).sum(), codes));
            // why they failed, once per distinct message: the numbers alone do not say whether a 4 was the outage or a stuck lock
            ops.stream().filter(op -> op.kind == kind && op.failed() && !op.timedOut).map(op -> op.exitCode() + ": " + op.stderrHead)
                    .collect(java.util.stream.Collectors.groupingBy(m -> m.replaceAll("[0-9a-f]{8}|\\d+", "#"), TreeMap::new,
                            java.util.stream.Collectors.toList()))
                    .forEach((shape, messages) -> s.append(String.format("      %3dx %s%n", messages.size(), abbreviate(messages.get(0)))));
        });
        long landed = ops.stream().filter(Op::killed).count();
        long stopped = ops.stream().filter(op -> op.stopped).count();
        s.append("kills: ").append(blows.killsSent()).append(" sent, ").append(landed).append(" mid-command; processes stopped: ")
                .append(stopped).append("; scenes: ").append(keyScenes.summary()).append(", ").append(credentialScenes.summary())
                .append("; keys retired while a process stood still: ").append(keyScenes.retiredUnderAStoppedProcess()).append('\n');
        for (TortureRig.Restart r : rig.restarts()) {
            Map<String, Integer> during = new TreeMap<>();
            ops.stream().filter(op -> op.startNanos() < r.upNanos() && op.endNanos() > r.downNanos())
                    .forEach(op -> during.merge(op.killed() ? "killed" : Integer.toString(op.exitCode()), 1, Integer::sum));
            s.append("redis restarts: 1 (kill -9 at ").append(Duration.ofNanos(r.downNanos() - startNanos).toSeconds()).append(" s, down ")
                    .append(r.outage().toMillis()).append(" ms; commands running across it by exit code: ").append(during).append(")\n");
        }
        var ledger = rig.jira.ledger();
        s.append("records checked: ").append(v.recordsChecked).append(" (").append(v.withRefreshToken).append(" with a refresh token)")
                .append("; keys: ").append(v.keys).append('\n');
        s.append("refresh tokens presented: ").append(ledger.redemptions().size()).append(", redeemed twice: ").append(v.doubleRedemptions)
                .append("; credentials holding a spent token: ").append(v.stale).append("; grants dead at the provider: ")
                .append(v.deadGrants).append('\n');
        if (!v.excused.isEmpty()) {
            s.append("excused (a process died between the provider spending a token and integ storing its successor): ")
                    .append(v.excused.size()).append('\n');
            v.excused.forEach(e -> s.append("  ").append(e).append('\n'));
        }
        s.append("lost: ").append(v.lost()).append('\n');
        s.append("violations: ").append(v.violations.size()).append('\n');
        v.violations.forEach(e -> s.append("  ").append(e).append('\n'));
        return TortureRig.scrub(s.toString());
    }

    private static String abbreviate(String text) {
        return text.length() <= 160 ? text : text.substring(0, 160) + "…";
    }

    private static void expectOk(Op op) {
        if (!op.succeeded()) {
            throw new AssertionError("setting up the torture run failed: " + op.describe() + ": " + op.stderrHead);
        }
    }
}
