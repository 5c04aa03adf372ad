package dev.integ.keys;

import com.google.crypto.tink.Aead;
import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.store.RedisKeys;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.ScanIteration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * `keys rotate-master`: moves everything sealed under the master key, in every namespace of the
 * server that uses it, to a new master key, so that no namespace sharing the key file is locked out.
 *
 * <p>A namespace is sealed by the key when its data keyset (or, having none, its event HMAC key)
 * decrypts with it under the namespace's own associated data; one SCAN (every primary on a Cluster)
 * finds them all. They move together, each under its own `keys` lock, or none does: a namespace busy
 * with another job is named and nothing changes. In place, the old key is first kept as FILE.previous
 * (0600), then the new key replaces FILE, then each namespace is re-sealed; the rotation is confirmed
 * by reading every one of them back under the key file on disk. Until FILE.previous is deleted, anything
 * still under it (a namespace on another Redis server, or one this run did not reach because it was
 * killed) is moved by its next command ({@link KeysetFileMasterKey#finishRotationOf}), or by running
 * this again.
 */
public final class MasterKeyRotation {
    private static final int ATTEMPTS = 5;

    private final UnifiedJedis redis;
    private final MasterKey configured;
    private final String namespace;
    private final Function<String, Namespace> namespaces;
    private final Duration lockWait;
    private final Steps steps;

    /**
     * What the rotation needs of one namespace: what is sealed there (the data keyset, the event log's
     * user HMAC key and its chain key), where its events go, its `keys` lock.
     *
     * @param events its event log, with the log's keys opened under the given master key: every event is
     *               chained by a key under the master key, which an interrupted move may already have
     *               moved to the new key
     */
    public record Namespace(String name, Keyring keyring, MasterKeyed eventsKey, MasterKeyed chainKey,
                            Function<MasterKey, Journal> events, Function<Duration, AdminLock> lock) {
        List<MasterKeyed> sealed() {
            return List.of(keyring.sealed(), eventsKey, chainKey);
        }
    }

    /**
     * Where a namespace records the rotation before anything moves; fail closed: it throws when the
     * record cannot be written. The namespace's security event log (a success event of {@code action});
     * an interface here because events builds on keys (its HMAC keys are sealed under the master key),
     * as {@link IntegrityAlarm} is.
     */
    @FunctionalInterface
    public interface Journal {
        void record(String action, Map<String, String> details);
    }

    /** The points a rotation passes, in order. */
    public enum Step { LOCKED, RECORDED, NEW_KEY_WRITTEN, PREVIOUS_KEPT, NEW_KEY_IN_PLACE, NAMESPACE_MOVED, CONFIRMED }

    /** Told of each step (a test stops the rotation at any of them, as kill -9 would). */
    public interface Steps {
        Steps NONE = (step, namespace) -> { };

        /** @param namespace the namespace just moved, for {@link Step#NAMESPACE_MOVED}; null otherwise */
        void reached(Step step, String namespace);
    }

    /** How the key changes: a new key in place of the file, the rest of such a rotation, or a move to another file. */
    public enum Mode { ROTATE, RESUME, FINISH, MOVE }

    /**
     * @param moved   what this run moved to the new key (Redis keys)
     * @param already what was under the new key before (an interrupted run, or another process, moved it)
     */
    public record NamespaceResult(String namespace, List<String> moved, List<String> already) {
    }

    /**
     * @param left        namespaces sealed by the current key that stay under it (--only-namespace)
     * @param previousKey where the key replaced in place is kept, or null (moved to another file, or deleted)
     */
    public record Result(Mode mode, String from, String to, List<NamespaceResult> namespaces, List<String> left, String previousKey,
                         boolean previousDeleted, boolean dryRun) {
    }

    /**
     * @param namespace  the invocation's namespace: its keyset, if it has one, must open with the configured key
     * @param namespaces each namespace found on the server, wired as a command in it would be
     */
    public MasterKeyRotation(UnifiedJedis redis, MasterKey configured, String namespace, Function<String, Namespace> namespaces,
                             Duration lockWait, Steps steps) {
        this.redis = redis;
        this.configured = configured;
        this.namespace = namespace;
        this.namespaces = namespaces;
        this.lockWait = lockWait;
        this.steps = steps;
    }

    /**
     * @param newKey         where to move to; empty: replace the configured key file in place
     * @param only           with {@code newKey}: move only these namespaces (empty: every one sealed by the key)
     * @param deletePrevious in place: delete FILE.previous once the rotation is confirmed
     */
    public Result rotate(Optional<MasterKey> newKey, Set<String> only, boolean deletePrevious, boolean dryRun) {
        Plan plan = plan(newKey, only, deletePrevious);
        checkOwnNamespace(plan);
        Map<String, Found> found = find(plan);
        List<String> left = new ArrayList<>();
        if (!only.isEmpty()) {
            for (String name : only) {
                if (!found.containsKey(name)) {
                    throw IntegException.notFound("namespace " + name + " is not sealed by the master key " + configured.describe(),
                            "its data keyset does not open with it" + (found.isEmpty() ? "" : " (sealed by it: " + String.join(", ", found.keySet()) + ")"),
                            "name only namespaces that use this key");
                }
            }
            found.keySet().stream().filter(name -> !only.contains(name)).forEach(left::add);
            found.keySet().retainAll(only);
        }
        if (found.isEmpty()) {
            throw IntegException.notFound("nothing on this Redis server is sealed by the master key " + configured.describe(),
                    "no namespace's data keyset or event HMAC key opens with it",
                    "run 'integ keys init' first, or point --redis at the server whose namespaces use this key");
        }
        if (plan.mode == Mode.FINISH && found.values().stream().noneMatch(f -> f.underSource(plan))) {
            throw alreadyRotated(plan.file);
        }
        if (dryRun) {
            List<NamespaceResult> would = found.values().stream().map(f -> f.wouldMove(plan)).toList();
            return new Result(plan.mode, configured.describe(), plan.targetName(), would, left,
                    plan.file == null ? null : plan.file.previous().file().toString(), false, true);
        }
        List<AdminLock> locks = lockAll(found.values().stream().map(Found::namespace).toList());
        try {
            steps.reached(Step.LOCKED, null);
            for (Found f : found.values()) {
                f.namespace().events().apply(f.chainKeyUnder(configured)).record("keys.rotate_master", Map.of("from", configured.describe(),
                        "to", plan.targetName(), "namespaces", String.join(",", found.keySet())));
            }
            steps.reached(Step.RECORDED, null);
            MasterKey target = prepareTarget(plan);
            List<NamespaceResult> results = new ArrayList<>();
            for (Found f : found.values()) {
                results.add(move(f.namespace(), plan.sources, target));
                steps.reached(Step.NAMESPACE_MOVED, f.namespace().name());
            }
            confirm(found.values(), plan);
            steps.reached(Step.CONFIRMED, null);
            if (deletePrevious) {
                plan.file.deletePrevious();
            }
            return new Result(plan.mode, configured.describe(), plan.targetName(), results, left,
                    plan.file == null || deletePrevious ? null : plan.file.previous().file().toString(), deletePrevious, false);
        } finally {
            locks.forEach(AdminLock::close);
        }
    }

    /**
     * @param file    the key file rotated in place, or null
     * @param target  the key moved to, or null until it is created
     * @param sources the keys moved from, read once (a concurrent command may replace the files meanwhile)
     */
    private record Plan(Mode mode, KeysetFileMasterKey file, MasterKey newKey, MasterKey target, List<MasterKey> sources) {
        /** What a namespace of this rotation may be under: the new key first. */
        List<MasterKey> lineage() {
            List<MasterKey> keys = new ArrayList<>();
            if (target != null) {
                keys.add(target);
            }
            keys.addAll(sources);
            return keys;
        }

        /**
         * Sealed by this rotation's keys. A key file moved to may already be another namespace's own
         * key: what is only under it was never sealed by the current key, and is left alone.
         */
        boolean member(MasterKey under) {
            return under != null && (mode != Mode.MOVE || sources.contains(under));
        }

        String targetName() {
            return switch (mode) {
                case MOVE -> newKey.describe();
                case FINISH -> file.describe();
                default -> "a new key in " + file.describe();
            };
        }
    }

    private Plan plan(Optional<MasterKey> newKey, Set<String> only, boolean deletePrevious) {
        only.forEach(RedisKeys::validNamespace);
        if (newKey.isPresent()) {
            if (deletePrevious) {
                throw IntegException.usage("--delete-previous is for a rotation in place", "with --new-master-key-file the current key file stays as it is",
                        "drop --delete-previous");
            }
            if (configured instanceof KeysetFileMasterKey file && newKey.get() instanceof KeysetFileMasterKey next
                    && file.file().toAbsolutePath().normalize().equals(next.file().toAbsolutePath().normalize())) {
                throw IntegException.usage("the new master key file is the current one", null, "name another file, or drop --new-master-key-file to rotate it in place");
            }
            List<MasterKey> sources = new ArrayList<>(List.of(held(configured)));
            if (configured instanceof KeysetFileMasterKey file) {
                file.keptPrevious().ifPresent(previous -> sources.add(held(previous)));
            }
            return new Plan(Mode.MOVE, null, newKey.get(), newKey.get().exists() ? held(newKey.get()) : null, sources);
        }
        if (!(configured instanceof KeysetFileMasterKey file)) {
            throw IntegException.usage("cannot rotate " + configured.describe() + " in place", null, "name the new key with --new-master-key-file");
        }
        if (!only.isEmpty()) {
            throw IntegException.usage("--only-namespace needs --new-master-key-file",
                    "in place, the key file every namespace sealed by it needs is replaced, so they all move",
                    "move some namespaces to a key file of their own with --new-master-key-file FILE --only-namespace NS");
        }
        MasterKey current = held(file);
        Optional<MasterKey> previous = file.keptPrevious().map(MasterKeyRotation::held);
        if (file.pending().exists()) {
            List<MasterKey> sources = new ArrayList<>(List.of(current));
            previous.ifPresent(sources::add);
            return new Plan(Mode.RESUME, file, null, held(file.pending()), sources);
        }
        if (previous.isPresent()) {
            return new Plan(Mode.FINISH, file, null, current, List.of(previous.get()));
        }
        return new Plan(Mode.ROTATE, file, null, null, List.of(current));
    }

    private static IntegException alreadyRotated(KeysetFileMasterKey file) {
        return IntegException.humanAction("the master key " + file.describe() + " was already rotated in place, and the key before it is still kept in "
                        + file.previous().file(),
                "every namespace on this Redis server that uses it is under the new key; namespaces on other servers may still need the old one",
                "run 'integ --redis URL keys rotate-master' against every other server that shares this key file (it moves their namespaces "
                        + "and does not rotate again), then delete " + file.previous().file() + " and run this again");
    }

    /** The invocation's own keyset, if it has one, must be this key's: a wrong key file is not rotated for others. */
    private void checkOwnNamespace(Plan plan) {
        Keyring own = namespaces.apply(namespace).keyring();
        MasterKeyed.Seal seal = own.sealed().sealedUnder(plan.lineage());
        if (seal.stored() && seal.under() == null) {
            throw IntegException.humanAction("cannot decrypt the data keyset at " + own.sealed().where() + " with the master key " + configured.describe(),
                    "a different master key encrypted it, or the keyset was altered",
                    "use the master key this store was set up with (INTEG_MASTER_KEY_FILE or vault.master-key-file)");
        }
    }

    /** A namespace sealed by one of the plan's keys, and which key each of its sealed things is under. */
    private record Found(Namespace namespace, List<MasterKeyed.Seal> seals) {
        /** The key the namespace's chain key opens with (a rerun of a move: maybe the new one); {@code otherwise} when none does. */
        MasterKey chainKeyUnder(MasterKey otherwise) {
            MasterKey under = seals.get(2).under();
            return under != null ? under : otherwise;
        }

        boolean underSource(Plan plan) {
            return seals.stream().anyMatch(s -> s.under() != null && plan.sources.contains(s.under()));
        }

        NamespaceResult wouldMove(Plan plan) {
            List<String> moved = new ArrayList<>();
            List<String> already = new ArrayList<>();
            List<MasterKeyed> sealed = namespace.sealed();
            for (int i = 0; i < sealed.size(); i++) {
                MasterKey under = seals.get(i).under();
                if (under != null && under == plan.target) {
                    already.add(sealed.get(i).where());
                } else if (under != null) {
                    moved.add(sealed.get(i).where());
                }
            }
            return new NamespaceResult(namespace.name(), moved, already);
        }
    }

    /** Every namespace on the server whose keyset (or, without one, an event log key) opens with one of the plan's keys. */
    private Map<String, Found> find(Plan plan) {
        Map<String, Found> found = new TreeMap<>();
        List<String> unreadable = new ArrayList<>();
        for (String name : namespacesOnServer()) {
            Namespace ns = namespaces.apply(name);
            try {
                List<MasterKeyed.Seal> seals = ns.sealed().stream().map(s -> s.sealedUnder(plan.lineage())).toList();
                // the keyset decides; without one, the first of the event log's keys that is stored
                MasterKeyed.Seal decides = seals.stream().filter(MasterKeyed.Seal::stored).findFirst().orElse(MasterKeyed.Seal.ABSENT);
                // the invocation's own namespace already under the new key: a run of this same move, repeated
                if (plan.member(decides.under()) || (name.equals(namespace) && decides.under() != null)) {
                    found.put(name, new Found(ns, seals));
                }
            } catch (JedisAccessControlException e) {
                unreadable.add(name);
            }
        }
        if (!unreadable.isEmpty()) {
            throw IntegException.humanAction("cannot tell whether namespace" + (unreadable.size() == 1 ? " " : "s ") + String.join(", ", unreadable)
                            + " use" + (unreadable.size() == 1 ? "s" : "") + " the master key " + configured.describe(),
                    "this Redis user may not read their keys, and every namespace sealed by the key must move with it",
                    "run it as a Redis user that can read every namespace's keyset and events key");
        }
        return found;
    }

    /** One SCAN over the whole key space (on a Cluster, every primary, as Jedis' scanIteration does). */
    private SortedSet<String> namespacesOnServer() {
        SortedSet<String> names = new TreeSet<>();
        ScanIteration iteration = redis.scanIteration(1000, RedisKeys.sealedPattern());
        while (!iteration.isIterationCompleted()) {
            ScanResult<String> batch = iteration.nextBatch();
            batch.getResult().forEach(key -> RedisKeys.namespaceOfSealed(key).ifPresent(names::add));
        }
        return names;
    }

    /** Every namespace's `keys` lock, or none: the busy ones are named. */
    private List<AdminLock> lockAll(Collection<Namespace> all) {
        long deadline = System.nanoTime() + lockWait.toNanos();
        List<AdminLock> held = new ArrayList<>();
        List<String> busy = new ArrayList<>();
        try {
            for (Namespace ns : all) {
                try {
                    held.add(ns.lock().apply(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))));
                } catch (IntegException e) {
                    if (e.exitCode() != ExitCode.RETRY_LATER) {
                        throw e;
                    }
                    busy.add(ns.name());
                }
            }
        } catch (RuntimeException e) {
            held.forEach(AdminLock::close);
            throw e;
        }
        if (!busy.isEmpty()) {
            held.forEach(AdminLock::close);
            throw IntegException.retryLater("cannot rotate the master key: " + (busy.size() == 1 ? "namespace " + busy.get(0) + " is"
                            : "namespaces " + String.join(", ", busy) + " are") + " busy with another 'integ keys' job",
                    "every namespace sealed by the key moves with it, so nothing was changed",
                    "run it again when that job is done, or give it longer with --wait", null);
        }
        return held;
    }

    /** Writes and installs the new key where the mode needs it; returns it, read once. */
    private MasterKey prepareTarget(Plan plan) {
        switch (plan.mode) {
            case ROTATE, RESUME -> {
                KeysetFileMasterKey pending = plan.file.pending();
                if (!pending.exists()) {
                    pending.create();
                }
                MasterKey target = plan.target != null ? plan.target : held(pending);
                steps.reached(Step.NEW_KEY_WRITTEN, null);
                plan.file.keepAsPrevious();
                steps.reached(Step.PREVIOUS_KEPT, null);
                plan.file.promote(pending);
                steps.reached(Step.NEW_KEY_IN_PLACE, null);
                return target;
            }
            case MOVE -> {
                if (plan.target != null) {
                    return plan.target;
                }
                if (!plan.newKey.exists()) {
                    plan.newKey.create();
                }
                steps.reached(Step.NEW_KEY_WRITTEN, null);
                return held(plan.newKey);
            }
            default -> {
                return plan.target;
            }
        }
    }

    private NamespaceResult move(Namespace ns, List<MasterKey> sources, MasterKey target) {
        List<String> moved = new ArrayList<>();
        List<String> already = new ArrayList<>();
        for (MasterKeyed sealed : ns.sealed()) {
            switch (move(sealed, sources, target)) {
                case MOVED -> moved.add(sealed.where());
                case ALREADY -> already.add(sealed.where());
                case ABSENT -> { }
            }
        }
        return new NamespaceResult(ns.name(), moved, already);
    }

    private enum Outcome { MOVED, ALREADY, ABSENT }

    private static Outcome move(MasterKeyed sealed, List<MasterKey> sources, MasterKey target) {
        List<MasterKey> keys = new ArrayList<>(List.of(target));
        keys.addAll(sources);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            MasterKeyed.Seal seal = sealed.sealedUnder(keys);
            if (!seal.stored()) {
                return Outcome.ABSENT;
            }
            if (seal.under() == target) {
                return attempt == 0 ? Outcome.ALREADY : Outcome.MOVED;
            }
            if (seal.under() == null) {
                throw IntegException.humanAction(sealed.where() + " no longer opens with the old master key or the new one",
                        "it was replaced while 'keys rotate-master' moved it", "run 'integ keys rotate-master' again");
            }
            if (sealed.reseal(seal.under(), target)) {
                return Outcome.MOVED;
            }
        }
        throw IntegException.retryLater(sealed.where() + " kept changing during 'keys rotate-master'", null,
                "run it again: it goes on where it stopped", null);
    }

    /** Reads every namespace back under the key file as it now is on disk. */
    private void confirm(Collection<Found> found, Plan plan) {
        MasterKey onDisk = plan.mode == Mode.MOVE ? plan.newKey : plan.file;
        List<String> notUnderIt = new ArrayList<>();
        for (Found f : found) {
            for (MasterKeyed sealed : f.namespace().sealed()) {
                MasterKeyed.Seal seal = sealed.sealedUnder(List.of(onDisk));
                if (seal.stored() && seal.under() == null) {
                    notUnderIt.add(sealed.where());
                }
            }
        }
        if (!notUnderIt.isEmpty()) {
            throw IntegException.humanAction("the master key rotation is not confirmed: " + String.join(", ", notUnderIt)
                            + (notUnderIt.size() == 1 ? " does" : " do") + " not open with " + onDisk.describe(),
                    "it changed, or the key file did, while the rotation ran",
                    "run 'integ keys rotate-master' again" + (plan.file == null ? "" : "; " + plan.file.previous().file() + " keeps the old key"));
        }
    }

    /** A key read once: the files may be replaced by a concurrent command finishing the same rotation. */
    private static MasterKey held(MasterKey key) {
        return new Held(key.describe(), key.aead());
    }

    private record Held(String describe, Aead aead) implements MasterKey {
        @Override
        public boolean exists() {
            return true;
        }

        @Override
        public void create() {
            throw new IllegalStateException("a key read from " + describe + " exists");
        }
    }
}
