package dev.integ.testing.torture;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * One lane of the chaos: runs random ./integ commands, one at a time, until the deadline. What it
 * launches is in {@link #running} while it runs, where {@link Chaos} may kill it and {@link Scenes} may
 * stop it.
 */
final class Worker implements Runnable {
    static final Duration LONGEST_COMMAND = Duration.ofSeconds(120);
    /** The credentials every lane fights over. */
    static final List<String> HOT_USERS = hotUsers(12);

    private final TortureRig rig;
    private final Random random;
    private final String lane;
    private final long deadline;
    private final Set<Op> running;
    private int newUsers;
    private volatile Throwable failure;

    Worker(TortureRig rig, long seed, String lane, long deadlineNanos, Set<Op> running) {
        this.rig = rig;
        this.random = new Random(seed);
        this.lane = lane;
        this.deadline = deadlineNanos;
        this.running = running;
    }

    @Override
    public void run() {
        try {
            while (System.nanoTime() < deadline) {
                Op op = launchNext();
                if (op != null) {
                    await(op);
                }
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        }
    }

    Throwable failure() {
        return failure;
    }

    /** How often each command comes up, out of the sum: mostly the refresh paths, every writer, and the key jobs. */
    private static final Map<Op.Kind, Integer> WEIGHTS = weights(Op.Kind.TOKEN, 28, Op.Kind.REFRESH, 12, Op.Kind.REFRESH_ALL, 10,
            Op.Kind.IMPORT, 14, Op.Kind.FORGET, 6, Op.Kind.CONNECT, 6, Op.Kind.ROTATE, 6, Op.Kind.REWRAP, 7, Op.Kind.RETIRE, 7,
            Op.Kind.LIST, 4);

    private Op launchNext() {
        String user = HOT_USERS.get(random.nextInt(HOT_USERS.size()));
        return switch (pick()) {
            // the fake's access tokens live 5 minutes: a 10-minute margin always refreshes, a 1-minute one rarely
            case TOKEN -> launch(Op.Kind.TOKEN, user, "token", TortureRig.PROVIDER, "--user", user, "--min-valid",
                    random.nextInt(4) == 0 ? "1m" : "10m");
            case REFRESH -> launch(Op.Kind.REFRESH, user, "refresh", TortureRig.PROVIDER, "--user", user);
            case REFRESH_ALL -> launch(Op.Kind.REFRESH_ALL, null, "refresh", "--all", "--expiring-within", random.nextBoolean() ? "10m" : "2h",
                    "--concurrency", Integer.toString(1 + random.nextInt(4)));
            case IMPORT -> importSome();
            case FORGET -> launch(Op.Kind.FORGET, user, "forget", TortureRig.PROVIDER, "--user", user, "--yes");
            case CONNECT -> launch(Op.Kind.CONNECT, user, "connect", TortureRig.PROVIDER, "--user", user, "--timeout", "30s");
            case ROTATE -> launch(Op.Kind.ROTATE, null, "keys", "rotate", "--wait", "5s");
            case REWRAP -> launch(Op.Kind.REWRAP, null, "keys", "rewrap", "--wait", "5s");
            case RETIRE -> retireOldest();
            default -> launch(Op.Kind.LIST, null, "list");
        };
    }

    private Op.Kind pick() {
        int dice = random.nextInt(WEIGHTS.values().stream().mapToInt(Integer::intValue).sum());
        for (Map.Entry<Op.Kind, Integer> w : WEIGHTS.entrySet()) {
            dice -= w.getValue();
            if (dice < 0) {
                return w.getKey();
            }
        }
        throw new IllegalStateException("weights");
    }

    private static Map<Op.Kind, Integer> weights(Object... kindsAndWeights) {
        Map<Op.Kind, Integer> w = new EnumMap<>(Op.Kind.class);
        for (int i = 0; i < kindsAndWeights.length; i += 2) {
            w.put((Op.Kind) kindsAndWeights[i], (Integer) kindsAndWeights[i + 1]);
        }
        return w;
    }

    /** New users, and rewrites of hot ones with --replace (each line a new grant at the fake). */
    private Op importSome() {
        List<TortureRig.Line> lines = new ArrayList<>();
        int rewrites = random.nextInt(4);
        int fresh = rewrites == 0 ? 1 + random.nextInt(3) : random.nextInt(4);
        for (int i = 0; i < fresh; i++) {
            lines.add(rig.line("new-" + lane + "-" + (++newUsers), Duration.ofSeconds(30 + random.nextInt(600))));
        }
        List<String> hot = new ArrayList<>(HOT_USERS);
        Collections.shuffle(hot, random);
        for (int i = 0; i < rewrites; i++) {
            lines.add(rig.line(hot.get(i), Duration.ofSeconds(30 + random.nextInt(600))));
        }
        Op op = rig.launchImport(lane, lines, rewrites > 0 || random.nextBoolean());
        running.add(op);
        return op;
    }

    /** `keys retire` of the oldest key that is not the primary, as `keys status` lists them. */
    private Op retireOldest() {
        Op status = launch(Op.Kind.STATUS, null, "keys", "status", "-o", "json");
        await(status);
        if (!status.succeeded()) {
            return null;
        }
        return KeyStatus.parse(rig.stdout(status)).oldestNonPrimary()
                .map(key -> launch(Op.Kind.RETIRE, null, "keys", "retire", key, "--wait", "5s"))
                .orElse(null);
    }

    private Op launch(Op.Kind kind, String user, String... args) {
        Op op = rig.launch(kind, lane, user, Map.of(), args);
        running.add(op);
        return op;
    }

    private void await(Op op) {
        try {
            rig.finish(op, LONGEST_COMMAND);
        } finally {
            running.remove(op);
        }
    }

    private static List<String> hotUsers(int n) {
        List<String> users = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            users.add(String.format("hot-%02d", i));
        }
        return List.copyOf(users);
    }
}
