package dev.integ.testing.torture;

import dev.integ.testing.VaultFixture;
import dev.integ.testing.fakes.AnswerGate;
import redis.clients.jedis.Jedis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Scripted stalls, played one after another beside the random workers: the interleavings that random
 * kills almost never produce, because they need one process to stand still while others finish whole
 * commands. Each freezes a real process (SIGSTOP, or its provider answer held back at the fake), runs
 * other commands to their end, then lets it go on.
 */
final class Scenes implements Runnable {
    enum Scene {
        /** A long import, stopped after its first batch, while the key it encrypts under is rotated, rewrapped and retired. */
        WRITER_STOPPED_ACROSS_RETIRE,
        /** Any running token, refresh or import of a worker, stopped while the keys rotate, rewrap and retire. */
        WORKER_STOPPED_ACROSS_RETIRE,
        /** A refresh whose provider answer is held while its credential is forgotten and imported again (revision ABA). */
        REFRESH_HELD_ACROSS_RECREATE;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }
    }

    static final String LANE = "scene";
    private static final int BULK_LINES = 1200;
    private static final Duration AWAIT = Duration.ofSeconds(30);
    /** Stands for the lock wait in a key job's arguments; {@link #lockWait()} says how long. */
    private static final String LOCK_WAIT = "LOCK_WAIT";

    private final TortureRig rig;
    private final Random random;
    private final long deadline;
    private final Set<Op> running;
    private final Map<Scene, int[]> counts = new EnumMap<>(Scene.class); // played, skipped
    private int serial;
    private int retired;
    private boolean patient = true;
    private volatile Throwable failure;

    Scenes(TortureRig rig, long seed, long deadlineNanos, Set<Op> running) {
        this.rig = rig;
        this.random = new Random(seed);
        this.deadline = deadlineNanos;
        this.running = running;
        for (Scene s : Scene.values()) {
            counts.put(s, new int[2]);
        }
    }

    @Override
    public void run() {
        try {
            for (int n = 0; System.nanoTime() < deadline; n++) {
                // the first scene is the one every run must play: it is the one today's main fails
                Scene scene = n == 0 ? Scene.WRITER_STOPPED_ACROSS_RETIRE : Scene.values()[random.nextInt(Scene.values().length)];
                boolean played = switch (scene) {
                    case WRITER_STOPPED_ACROSS_RETIRE -> writerStoppedAcrossRetire();
                    case WORKER_STOPPED_ACROSS_RETIRE -> workerStoppedAcrossRetire();
                    case REFRESH_HELD_ACROSS_RECREATE -> refreshHeldAcrossRecreate();
                };
                synchronized (counts) {
                    counts.get(scene)[played ? 0 : 1]++;
                }
                patient = false;
                TimeUnit.MILLISECONDS.sleep(200 + random.nextInt(1300)); // rhythm between scenes
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failure = e;
        }
    }

    private boolean writerStoppedAcrossRetire() {
        int n = ++serial;
        List<TortureRig.Line> lines = new ArrayList<>();
        for (int i = 0; i < BULK_LINES; i++) {
            lines.add(rig.line(String.format("bulk-%d-%04d", n, i), Duration.ofDays(1)));
        }
        Op writer = rig.launchImport(LANE, lines, false);
        String firstRecord = rig.vault.keys(VaultFixture.NS).credential(TortureRig.PROVIDER, lines.get(0).user());
        if (!awaitRecord(firstRecord, writer)) {
            rig.finish(writer, Worker.LONGEST_COMMAND);
            return false;
        }
        rig.stop(writer);
        try {
            rotateRewrapRetire();
        } finally {
            rig.resume(writer);
            rig.finish(writer, Worker.LONGEST_COMMAND);
        }
        return true;
    }

    private boolean workerStoppedAcrossRetire() {
        List<Op> candidates = running.stream()
                .filter(op -> Set.of(Op.Kind.TOKEN, Op.Kind.REFRESH, Op.Kind.REFRESH_ALL, Op.Kind.IMPORT).contains(op.kind))
                .filter(op -> op.process != null && op.process.isAlive() && !op.killSent)
                .toList();
        if (candidates.isEmpty()) {
            return false;
        }
        Op victim = candidates.get(random.nextInt(candidates.size()));
        rig.stop(victim);
        try {
            rotateRewrapRetire();
        } finally {
            rig.resume(victim);
        }
        return true;
    }

    private boolean refreshHeldAcrossRecreate() throws InterruptedException {
        String user = "aba-" + (++serial);
        Op first = rig.launchImport(LANE, List.of(rig.line(user, Duration.ofDays(1))), false);
        rig.finish(first, Worker.LONGEST_COMMAND);
        if (!first.succeeded()) {
            return false;
        }
        Op refresher = rig.prepare(Op.Kind.REFRESH, LANE, user, Map.of(), "refresh", TortureRig.PROVIDER, "--user", user);
        AnswerGate gate = rig.jira.holdAnswerAfterRedemption(refresher.id);
        rig.start(refresher);
        try {
            if (!gate.awaitHeld(AWAIT)) {
                return false;
            }
            rig.run(Op.Kind.FORGET, LANE, user, "forget", TortureRig.PROVIDER, "--user", user, "--yes");
            Op again = rig.launchImport(LANE, List.of(rig.line(user, Duration.ofDays(1))), false);
            rig.finish(again, Worker.LONGEST_COMMAND);
            return true;
        } finally {
            gate.release();
            rig.finish(refresher, Worker.LONGEST_COMMAND);
        }
    }

    /**
     * `keys rotate`, `keys rewrap`, `keys retire PREVIOUS_PRIMARY`, each to its end; stops at the first that
     * fails. Each waits for the keys lock ({@link #lockWait()}) and is tried again after a temporary failure
     * (the Redis restart), so the stopped process really sees its key go.
     */
    private void rotateRewrapRetire() {
        Op status = keys(Op.Kind.STATUS, "keys", "status", "-o", "json");
        if (!status.succeeded()) {
            return;
        }
        String previous = KeyStatus.parse(rig.stdout(status)).primary().orElse(null);
        if (previous == null
                || !keys(Op.Kind.ROTATE, "keys", "rotate", "--wait", LOCK_WAIT).succeeded()
                || !keys(Op.Kind.REWRAP, "keys", "rewrap", "--wait", LOCK_WAIT).succeeded()) {
            return;
        }
        if (keys(Op.Kind.RETIRE, "keys", "retire", previous, "--wait", LOCK_WAIT).succeeded()) {
            retired++;
        }
    }

    private Op keys(Op.Kind kind, String... args) {
        Op op = null;
        for (int attempt = 0; attempt < 3 && (op == null || op.exitCode() == 4); attempt++) {
            String[] withWait = Arrays.stream(args).map(a -> a.equals(LOCK_WAIT) ? lockWait() : a).toArray(String[]::new);
            op = rig.run(kind, LANE, null, withWait);
        }
        return op;
    }

    /**
     * The first scene waits out a keys lock left by a killed job (60 s on main before leases): every run
     * must play it to the end. Later ones wait no longer than the run has left, so the run ends in time.
     */
    private String lockWait() {
        long left = TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime());
        return (patient ? 65 : Math.max(5, Math.min(65, left))) + "s";
    }

    /** Watches Redis (observable state, no clock) until the record exists, the writer is gone, or {@link #AWAIT} passed. */
    private boolean awaitRecord(String key, Op writer) {
        long giveUp = System.nanoTime() + AWAIT.toNanos();
        try (Jedis jedis = rig.vault.jedis()) {
            while (System.nanoTime() < giveUp && rig.alive(writer)) {
                if (jedis.exists(key)) {
                    return true;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
        } catch (RuntimeException storeDown) {
            // Redis is being restarted: no scene this time
        }
        return false;
    }

    /** "writer stopped across retire 3 (1 skipped), ..." */
    String summary() {
        synchronized (counts) {
            List<String> parts = new ArrayList<>();
            counts.forEach((scene, c) -> parts.add(scene.label() + " " + c[0] + (c[1] > 0 ? " (" + c[1] + " skipped)" : "")));
            return String.join(", ", parts);
        }
    }

    /** How often a scene's `keys retire` succeeded while its process stood still. */
    int retiredUnderAStoppedProcess() {
        return retired;
    }

    int played() {
        synchronized (counts) {
            return counts.values().stream().mapToInt(c -> c[0]).sum();
        }
    }

    Throwable failure() {
        return failure;
    }
}
