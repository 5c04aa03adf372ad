package dev.integ.testing.torture;

import dev.integ.keys.DataKeys;
import dev.integ.testing.VaultFixture;
import dev.integ.testing.fakes.AnswerGate;
import dev.integ.vault.CredentialVault;
import redis.clients.jedis.Jedis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
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
        REFRESH_HELD_ACROSS_RECREATE,
        /** Four processes at once ask for a token of one credential that needs a refresh: exactly one may redeem. */
        TOKEN_STAMPEDE;

        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /** Scenes about the keys, which wait for the keys lock, and scenes about one credential, which do not: two lanes. */
    static final List<Scene> KEYS = List.of(Scene.WRITER_STOPPED_ACROSS_RETIRE, Scene.WORKER_STOPPED_ACROSS_RETIRE);
    static final List<Scene> CREDENTIALS = List.of(Scene.REFRESH_HELD_ACROSS_RECREATE, Scene.TOKEN_STAMPEDE);
    private static final int BULK_LINES = 1200;
    private static final Duration AWAIT = Duration.ofSeconds(30);

    private final TortureRig rig;
    private final String lane;
    private final List<Scene> repertoire;
    private final Random random;
    private final long deadline;
    private final Set<Op> running;
    private final Map<Scene, int[]> counts = new EnumMap<>(Scene.class); // played, skipped
    private int serial;
    private int retired;
    private boolean patient = true;
    private volatile Throwable failure;

    /** @param repertoire played in rounds, each scene once per round in a random order, starting with the first listed */
    Scenes(TortureRig rig, String lane, List<Scene> repertoire, long seed, long deadlineNanos, Set<Op> running) {
        this.rig = rig;
        this.lane = lane;
        this.repertoire = List.copyOf(repertoire);
        this.random = new Random(seed);
        this.deadline = deadlineNanos;
        this.running = running;
        for (Scene s : repertoire) {
            counts.put(s, new int[2]);
        }
    }

    @Override
    public void run() {
        try {
            // the first scene first (the keys lane's is the one today's main fails), then every scene once per
            // round in a random order: a short run still sees each of them
            List<Scene> round = new ArrayList<>(repertoire.subList(0, 1));
            while (System.nanoTime() < deadline) {
                if (round.isEmpty()) {
                    round.addAll(repertoire);
                    Collections.shuffle(round, random);
                }
                Scene scene = round.remove(0);
                boolean played = switch (scene) {
                    case WRITER_STOPPED_ACROSS_RETIRE -> writerStoppedAcrossRetire();
                    case WORKER_STOPPED_ACROSS_RETIRE -> workerStoppedAcrossRetire();
                    case REFRESH_HELD_ACROSS_RECREATE -> refreshHeldAcrossRecreate();
                    case TOKEN_STAMPEDE -> tokenStampede();
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
        Op writer = rig.launchImport(lane, lines, false);
        String firstRecord = rig.vault.keys(VaultFixture.NS).credential(TortureRig.PROVIDER, lines.get(0).user());
        if (!awaitRecord(firstRecord, writer)) {
            rig.finish(writer, Worker.LONGEST_COMMAND);
            return false;
        }
        rig.stop(writer);
        try {
            // the key the writer encrypts under, from its first record: a worker may have rotated since it loaded the keyset
            rotateRewrapRetire(keyOf(lines.get(0).user()));
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
            rotateRewrapRetire(null);
        } finally {
            rig.resume(victim);
        }
        return true;
    }

    private boolean refreshHeldAcrossRecreate() throws InterruptedException {
        String user = "aba-" + (++serial);
        Op first = rig.launchImport(lane, List.of(rig.line(user, Duration.ofDays(1))), false);
        rig.finish(first, Worker.LONGEST_COMMAND);
        if (!first.succeeded()) {
            return false;
        }
        Op refresher = rig.prepare(Op.Kind.REFRESH, lane, user, Map.of(), "refresh", TortureRig.PROVIDER, "--user", user);
        AnswerGate gate = rig.jira.holdAnswerAfterRedemption(refresher.id);
        rig.start(refresher);
        try {
            if (!gate.awaitHeld(AWAIT)) {
                return false;
            }
            rig.run(Op.Kind.FORGET, lane, user, "forget", TortureRig.PROVIDER, "--user", user, "--yes");
            Op again = rig.launchImport(lane, List.of(rig.line(user, Duration.ofDays(1))), false);
            rig.finish(again, Worker.LONGEST_COMMAND);
            return true;
        } finally {
            gate.release();
            rig.finish(refresher, Worker.LONGEST_COMMAND);
        }
    }

    private boolean tokenStampede() {
        String user = Worker.HOT_USERS.get(random.nextInt(Worker.HOT_USERS.size()));
        List<Op> herd = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            // access tokens live 5 minutes: a 10-minute margin makes every one of them want a refresh
            herd.add(rig.launch(Op.Kind.TOKEN, lane, user, Map.of(), "token", TortureRig.PROVIDER, "--user", user, "--min-valid", "10m"));
        }
        herd.forEach(op -> rig.finish(op, Worker.LONGEST_COMMAND));
        return true;
    }

    /**
     * `keys rotate`, `keys rewrap`, `keys retire KEY` (the victim's key, else the primary before the
     * rotation), each to its end; stops at the first that fails. Each waits for the keys lock
     * ({@link #lockWait()}) and is tried again after a temporary failure (the Redis restart), so the
     * stopped process really sees its key go.
     */
    private void rotateRewrapRetire(String victimKey) {
        String previous = victimKey;
        if (previous == null) {
            Op status = keys(Op.Kind.STATUS, "keys", "status", "-o", "json");
            if (!status.succeeded()) {
                return;
            }
            previous = KeyStatus.parse(rig.stdout(status)).primary().orElse(null);
        }
        if (previous == null
                || !keys(Op.Kind.ROTATE, "keys", "rotate", "--wait", lockWait()).succeeded()
                || !keys(Op.Kind.REWRAP, "keys", "rewrap", "--wait", lockWait()).succeeded()) {
            return;
        }
        if (keys(Op.Kind.RETIRE, "keys", "retire", previous, "--wait", lockWait()).succeeded()) {
            retired++;
        }
    }

    private Op keys(Op.Kind kind, String... args) {
        Op op = null;
        for (int attempt = 0; attempt < 3 && (op == null || op.exitCode() == 4); attempt++) {
            op = rig.run(kind, lane, null, args);
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

    /** The data key a stored record is encrypted under (8 hex digits), or null if it cannot be read now. */
    private String keyOf(String user) {
        try {
            return rig.vault.vault(VaultFixture.NS).store().get(TortureRig.PROVIDER, user)
                    .map(stored -> DataKeys.hex(CredentialVault.keyIdOfRecord(stored))).orElse(null);
        } catch (RuntimeException storeDown) {
            return null;
        }
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

    Throwable failure() {
        return failure;
    }
}
