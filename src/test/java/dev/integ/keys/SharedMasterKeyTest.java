package dev.integ.keys;

import dev.integ.core.IntegException;
import dev.integ.events.AlertRules;
import dev.integ.events.ChainKey;
import dev.integ.events.EventAnchor;
import dev.integ.events.RedisEventLog;
import dev.integ.events.SecurityEvent;
import dev.integ.events.UserHasher;
import dev.integ.store.RedisKeys;
import dev.integ.testing.Cli;
import dev.integ.testing.TestRedis;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * `keys rotate-master` when several namespaces on one server share a master key file (A, B, C) and
 * one has a key of its own (D): nobody is locked out, whether the rotation completes, is refused, or
 * is stopped at any step; the previous key is kept (0600) until the rotation is confirmed.
 */
class SharedMasterKeyTest {
    private static final List<String> SHARING = List.of("A", "B", "C");
    private static final String OWN_KEY = "D";

    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();

    @TempDir
    Path dir;
    private Path shared;
    private Path other;
    /** A copy of the shared key as it was before any rotation, alone in its directory. */
    private Path original;
    private final Map<String, String> hmacs = new HashMap<>();
    private int copies;

    @BeforeEach
    void namespacesSharingAKeyAndOneWithItsOwn() throws IOException {
        try (Jedis jedis = vault.jedis()) {
            jedis.flushAll();
        }
        shared = dir.resolve("keys/master-key.json");
        other = dir.resolve("other/master-key.json");
        for (String ns : SHARING) {
            setUp(shared, ns);
        }
        setUp(other, OWN_KEY);
        original = alone(shared);
    }

    private void setUp(Path key, String ns) {
        ok(key, ns, "keys", "init");
        Cli.Result imported = cli(key).runWithInput("{\"provider\":\"slack\",\"user\":\"alice\",\"access_token\":\"tok-" + ns
                + "\",\"expires_in\":3600}\n", vault.withRedis("--namespace", ns, "import", "--file", "-"));
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        ok(key, ns, "token", "slack", "--user", "alice"); // a token read: an event naming alice, so the HMAC key exists
        hmacs.put(ns, ok(key, ns, "events", "hash-user", "alice").out());
    }

    // ---- helpers ----

    private Cli cli(Path key) {
        return new Cli(dir.resolve("home")).env("INTEG_MASTER_KEY_FILE", key.toString());
    }

    private Cli.Result run(Path key, String ns, String... args) {
        return runOn(vault.url(), key, ns, args);
    }

    private Cli.Result runOn(String url, Path key, String ns, String... args) {
        List<String> all = new ArrayList<>(List.of("--redis", url, "--namespace", ns));
        all.addAll(List.of(args));
        return cli(key).run(all.toArray(String[]::new));
    }

    private Cli.Result ok(Path key, String ns, String... args) {
        Cli.Result r = run(key, ns, args);
        assertThat(r.exitCode()).as("integ --namespace %s %s%nout:%n%s%nerr:%n%s", ns, String.join(" ", args), r.out(), r.err()).isZero();
        return r;
    }

    /** A copy of {@code key} with no FILE.previous or FILE.next beside it: it opens only what is really sealed by it. */
    private Path alone(Path key) throws IOException {
        Path copy = dir.resolve("alone-" + copies++ + "/master-key.json");
        Files.createDirectories(copy.getParent());
        Files.copy(key, copy);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
        return copy;
    }

    /** The namespace works as a user sees it: list, token, events by user, the same user HMAC as before. */
    private void works(Path key, String ns) {
        assertThat(ok(key, ns, "list").out()).contains("alice");
        assertThat(ok(key, ns, "token", "slack", "--user", "alice").out()).isEqualTo("tok-" + ns + "\n");
        assertThat(ok(key, ns, "events", "--user", "alice", "--action", "token.read", "-o", "json").out()).contains("token.read");
        assertThat(ok(key, ns, "events", "hash-user", "alice").out()).as("the HMAC key moved, it was not replaced").isEqualTo(hmacs.get(ns));
        // the chain key moved with its material: every event before and after the rotation verifies
        assertThat(ok(key, ns, "events", "verify").exitCode()).isZero();
    }

    /** Both the keyset and the HMAC key of {@code ns} open with {@code key} itself, with no fallback to another file. */
    private void sealedBy(Path key, String ns) throws IOException {
        Path copy = alone(key);
        assertThat(ok(copy, ns, "list").out()).as(ns).contains("alice");
        assertThat(ok(copy, ns, "events", "hash-user", "alice").out()).as(ns).isEqualTo(hmacs.get(ns));
        assertThat(ok(copy, ns, "events", "verify").exitCode()).as("%s: the chain key opens with it", ns).isZero();
    }

    private void notSealedBy(Path key, String ns) throws IOException {
        Cli.Result r = run(alone(key), ns, "list");
        assertThat(r.exitCode()).as("%s under %s: %s", ns, key, r.err()).isEqualTo(5);
    }

    /** The sealed keys of a namespace, as stored. */
    private static Map<String, String> sealedKeys(String ns) {
        try (Jedis jedis = vault.jedis()) {
            Map<String, String> raw = new TreeMap<>();
            jedis.hgetAll((ns + ":keyset").getBytes(StandardCharsets.UTF_8))
                    .forEach((f, v) -> raw.put(new String(f, StandardCharsets.UTF_8), Base64.getEncoder().encodeToString(v)));
            byte[] eventsKey = jedis.get((ns + ":events:key").getBytes(StandardCharsets.UTF_8));
            raw.put("events:key", eventsKey == null ? "none" : Base64.getEncoder().encodeToString(eventsKey));
            byte[] chainKey = jedis.get((ns + ":events:chain-key").getBytes(StandardCharsets.UTF_8));
            raw.put("events:chain-key", chainKey == null ? "none" : Base64.getEncoder().encodeToString(chainKey));
            return raw;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String mode(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    private static Path sibling(Path key, String suffix) {
        return key.resolveSibling(key.getFileName() + suffix);
    }

    /** The rotation as Services wires it for namespace {@code ns}, with a seam at each step. */
    private static MasterKeyRotation rotation(Path key, String ns, MasterKeyRotation.Steps steps) {
        UnifiedJedis client = vault.client();
        MasterKey master = new KeysetFileMasterKey(key, "INTEG_MASTER_KEY_FILE");
        return new MasterKeyRotation(client, master, ns, name -> {
            RedisKeys keys = new RedisKeys(name);
            return new MasterKeyRotation.Namespace(name, new Keyring(client, keys, master, Clock.systemUTC()), new UserHasher(client, keys, () -> master).sealed(),
                    new ChainKey(client, keys, () -> master).sealed(),
                    under -> {
                        RedisEventLog log = new RedisEventLog(client, keys, new UserHasher(client, keys, () -> under), new ChainKey(client, keys, () -> under),
                                EventAnchor.NONE, "test@fixture", "fixture", Clock.systemUTC(), RedisEventLog.Retention.DEFAULTS, AlertRules.DEFAULTS);
                        return (action, details) -> log.record(SecurityEvent.success(action, null, null, details));
                    },
                    wait -> AdminLock.acquire(client, keys.keysLock(), wait));
        }, Duration.ZERO, steps);
    }

    /** What kill -9 at that step would leave (the locks aside: they are released here, not left to expire). */
    private static final class Stopped extends RuntimeException {
        Stopped(MasterKeyRotation.Step step) {
            super("stopped at " + step);
        }
    }

    private static MasterKeyRotation.Steps stopAt(MasterKeyRotation.Step step) {
        return (reached, ns) -> {
            if (reached == step) {
                throw new Stopped(step);
            }
        };
    }

    // ---- in place ----

    @ParameterizedTest(name = "{0} namespaces share the key")
    @ValueSource(ints = {2, 3})
    void rotatingInPlaceMovesEveryNamespaceThatSharesTheKeyFileAndNoOther(int sharing) throws IOException {
        List<String> namespaces = SHARING.subList(0, sharing);
        for (String gone : SHARING.subList(sharing, SHARING.size())) {
            try (Jedis jedis = vault.jedis()) {
                jedis.del(gone + ":keyset", gone + ":events:key", gone + ":events:chain-key", gone + ":cred:slack:alice");
            }
        }
        Map<String, String> ownKey = sealedKeys(OWN_KEY);

        Cli.Result r = ok(shared, "A", "keys", "rotate-master");

        for (String ns : namespaces) {
            assertThat(r.out()).contains("moved namespace " + ns + " to a new key in file " + shared + " (from INTEG_MASTER_KEY_FILE): "
                    + ns + ":keyset, " + ns + ":events:key, " + ns + ":events:chain-key\n");
        }
        assertThat(r.out()).doesNotContain("namespace " + OWN_KEY).contains("confirmed: every namespace above opens with the key in file " + shared)
                .contains("the previous key is kept in " + sibling(shared, ".previous") + " (0600)");
        assertThat(r.err()).startsWith("integ: warning: namespaces on other Redis servers that share this key file were not seen");
        // the key file holds a new key; the old one is kept, private, until someone deletes it
        assertThat(read(shared)).isNotEqualTo(read(original));
        assertThat(read(sibling(shared, ".previous"))).isEqualTo(read(original));
        assertThat(mode(shared)).isEqualTo("rw-------");
        assertThat(mode(sibling(shared, ".previous"))).isEqualTo("rw-------");
        assertThat(sibling(shared, ".next")).doesNotExist();
        for (String ns : namespaces) {
            sealedBy(shared, ns);
            notSealedBy(original, ns);
            works(shared, ns);
            assertThat(ok(shared, ns, "events", "--action", "keys.rotate_master").out()).as("recorded in %s", ns).contains("keys.rotate_master");
        }
        // the namespace under its own key is neither named nor touched
        assertThat(sealedKeys(OWN_KEY)).isEqualTo(ownKey);
        works(other, OWN_KEY);
    }

    @Test
    void aNamespaceBusyWithAnotherKeysJobIsNamedAndNothingMoves() throws IOException {
        try (Jedis jedis = vault.jedis()) {
            jedis.set("C:lock:keys", "another-job", SetParams.setParams().px(60_000));
        }
        Map<String, String> before = vault.snapshot();

        Cli.Result r = run(shared, "A", "keys", "rotate-master", "--wait", "0s");

        assertThat(r.exitCode()).as(r.err()).isEqualTo(4);
        assertThat(r.err()).isEqualTo("integ: error: cannot rotate the master key: namespace C is busy with another 'integ keys' job: "
                + "every namespace sealed by the key moves with it, so nothing was changed\n"
                + "integ: hint: run it again when that job is done, or give it longer with --wait\n");
        assertThat(vault.snapshot()).isEqualTo(before);
        assertThat(read(shared)).isEqualTo(read(original));
        assertThat(sibling(shared, ".previous")).doesNotExist();
        assertThat(sibling(shared, ".next")).doesNotExist();
        try (Jedis jedis = vault.jedis()) {
            assertThat(jedis.exists("A:lock:keys")).as("the locks it took are released").isFalse();
            assertThat(jedis.exists("B:lock:keys")).isFalse();
            jedis.del("C:lock:keys");
        }
        ok(shared, "A", "keys", "rotate-master");
        for (String ns : SHARING) {
            sealedBy(shared, ns);
        }
    }

    @Test
    void aDryRunNamesTheNamespacesAndChangesNothing() {
        Map<String, String> before = vault.snapshot();

        Cli.Result r = ok(shared, "B", "keys", "rotate-master", "--dry-run");

        assertThat(r.out()).isEqualTo("would move namespace A to a new key in file " + shared + " (from INTEG_MASTER_KEY_FILE): A:keyset, A:events:key, A:events:chain-key\n"
                + "would move namespace B to a new key in file " + shared + " (from INTEG_MASTER_KEY_FILE): B:keyset, B:events:key, B:events:chain-key\n"
                + "would move namespace C to a new key in file " + shared + " (from INTEG_MASTER_KEY_FILE): C:keyset, C:events:key, C:events:chain-key\n");
        assertThat(vault.snapshot()).isEqualTo(before);
        assertThat(read(shared)).isEqualTo(read(original));
        assertThat(sibling(shared, ".previous")).doesNotExist();
        assertThat(sibling(shared, ".next")).doesNotExist();
    }

    /** Stopped at each step, even with --delete-previous: a rerun, from any namespace, finishes it, once. */
    @ParameterizedTest
    @EnumSource(MasterKeyRotation.Step.class)
    void anInterruptedRotationIsFinishedByARerun(MasterKeyRotation.Step step) throws IOException {
        Map<String, String> ownKey = sealedKeys(OWN_KEY);
        assertThatThrownBy(() -> rotation(shared, "A", stopAt(step)).rotate(Optional.empty(), Set.of(), true, false))
                .isInstanceOf(Stopped.class);
        assertPreviousKeptUntilConfirmed(step);

        Cli.Result rerun = run(shared, "B", "keys", "rotate-master");

        if (step == MasterKeyRotation.Step.CONFIRMED) {
            // it had finished: running it again would be a second rotation, refused while FILE.previous is kept
            assertThat(rerun.exitCode()).as(rerun.err()).isEqualTo(5);
            assertThat(rerun.err()).startsWith("integ: error: the master key file " + shared + " (from INTEG_MASTER_KEY_FILE) "
                    + "was already rotated in place, and the key before it is still kept in " + sibling(shared, ".previous"));
        } else {
            assertThat(rerun.exitCode()).as(rerun.err()).isZero();
            for (String ns : SHARING) {
                assertThat(rerun.out()).containsPattern("(moved namespace " + ns + " |namespace " + ns + " was already under)");
            }
        }
        assertThat(sibling(shared, ".next")).doesNotExist();
        assertThat(read(sibling(shared, ".previous"))).as("rotated once: the key before is the original").isEqualTo(read(original));
        assertThat(read(shared)).isNotEqualTo(read(original));
        for (String ns : SHARING) {
            sealedBy(shared, ns);
            works(shared, ns);
        }
        assertThat(sealedKeys(OWN_KEY)).isEqualTo(ownKey);
    }

    /** Stopped at each step, and never run again: every namespace still works, and its next command finishes its part. */
    @ParameterizedTest
    @EnumSource(MasterKeyRotation.Step.class)
    void anInterruptedRotationLocksNobodyOutAndEachNamespacesNextCommandFinishesIt(MasterKeyRotation.Step step) throws IOException {
        Map<String, String> ownKey = sealedKeys(OWN_KEY);
        assertThatThrownBy(() -> rotation(shared, "A", stopAt(step)).rotate(Optional.empty(), Set.of(), true, false))
                .isInstanceOf(Stopped.class);
        assertPreviousKeptUntilConfirmed(step);
        boolean newKeyInPlace = step.compareTo(MasterKeyRotation.Step.NEW_KEY_IN_PLACE) >= 0;

        // a plain list in another namespace than the one the rotation ran in moves its keyset (the HMAC
        // key moves when a user name is first hashed, below)
        assertThat(ok(shared, "C", "list").out()).contains("alice");
        assertThat(ok(alone(shared), "C", "list").out()).as("C's keyset is under the key file itself").contains("alice");
        for (String ns : List.of("B", "A", "C")) {
            works(shared, ns);
            // in place or not, the key file opens it (before the new key is in place, nothing had moved)
            sealedBy(shared, ns);
        }
        assertThat(sealedKeys(OWN_KEY)).isEqualTo(ownKey);
        if (!newKeyInPlace) {
            assertThat(read(shared)).isEqualTo(read(original));
            ok(shared, "B", "keys", "rotate-master");
            for (String ns : SHARING) {
                sealedBy(shared, ns);
                notSealedBy(original, ns);
            }
        }
    }

    private void assertPreviousKeptUntilConfirmed(MasterKeyRotation.Step step) throws IOException {
        Path previous = sibling(shared, ".previous");
        if (step.compareTo(MasterKeyRotation.Step.PREVIOUS_KEPT) >= 0) {
            assertThat(previous).as("kept although --delete-previous: not confirmed yet").exists();
            assertThat(mode(previous)).isEqualTo("rw-------");
            assertThat(read(previous)).isEqualTo(read(original));
        } else {
            assertThat(previous).doesNotExist();
        }
        assertThat(sibling(shared, ".next").toFile().exists()).as("written, not yet in place")
                .isEqualTo(step == MasterKeyRotation.Step.NEW_KEY_WRITTEN || step == MasterKeyRotation.Step.PREVIOUS_KEPT);
    }

    @Test
    void deletePreviousDeletesTheOldKeyOnceTheRotationIsConfirmed() throws IOException {
        Cli.Result r = ok(shared, "C", "keys", "rotate-master", "--delete-previous");

        assertThat(r.out()).contains("the previous key was deleted");
        assertThat(r.err()).startsWith("integ: warning: namespaces on other Redis servers that were sealed by the previous key were not seen");
        assertThat(sibling(shared, ".previous")).doesNotExist();
        for (String ns : SHARING) {
            sealedBy(shared, ns);
            works(shared, ns);
        }
        // and with nothing kept, the next rotation goes ahead
        String first = read(shared);
        ok(shared, "A", "keys", "rotate-master");
        assertThat(read(sibling(shared, ".previous"))).isEqualTo(first);
    }

    /**
     * Namespaces on another Redis server that share the key file are not seen. While FILE.previous is
     * kept, their next command moves them, or a run against that server does (without rotating again);
     * a second rotation waits until FILE.previous is deleted.
     */
    @Test
    void namespacesOnAnotherServerMoveOnTheirNextCommandOrByARunAgainstThatServer() throws IOException {
        try (TestRedis otherServer = TestRedis.start()) {
            Cli cli = cli(shared);
            for (String ns : List.of("E", "F")) {
                assertThat(cli.run("--redis", otherServer.url(), "--namespace", ns, "keys", "init").exitCode()).isZero();
                assertThat(cli.runWithInput("{\"provider\":\"slack\",\"user\":\"bob\",\"access_token\":\"tok-" + ns + "\"}\n",
                        "--redis", otherServer.url(), "--namespace", ns, "import", "--file", "-").exitCode()).isZero();
            }
            Cli.Result rotated = ok(shared, "A", "keys", "rotate-master");
            assertThat(rotated.out()).doesNotContain("namespace E").doesNotContain("namespace F");
            assertThat(rotated.err()).contains("run 'integ --redis URL keys rotate-master' against that server");

            // its next command moves E
            Cli.Result list = cli.run("--redis", otherServer.url(), "--namespace", "E", "list");
            assertThat(list.exitCode()).as(list.err()).isZero();
            assertThat(alone(shared)).satisfies(copy -> assertThat(cli(copy).run("--redis", otherServer.url(), "--namespace", "E", "list")
                    .exitCode()).as("E is under the new key itself").isZero());
            // a run against that server moves the rest, and does not rotate again
            String key = read(shared);
            Cli.Result finish = cli.run("--redis", otherServer.url(), "--namespace", "F", "keys", "rotate-master");
            assertThat(finish.exitCode()).as(finish.err()).isZero();
            assertThat(finish.out()).startsWith("finished the in-place rotation of file " + shared)
                    // list wrote no event, so E's chain key was still under the previous key: it moves now, with F
                    .contains("moved namespace E to file " + shared + " (from INTEG_MASTER_KEY_FILE): E:events:chain-key\n")
                    .contains("moved namespace F to file " + shared + " (from INTEG_MASTER_KEY_FILE): F:keyset, F:events:chain-key\n");
            for (String ns : List.of("E", "F")) {
                Cli.Result verify = cli(alone(shared)).run("--redis", otherServer.url(), "--namespace", ns, "events", "verify");
                assertThat(verify.exitCode()).as("%s: %s%s", ns, verify.out(), verify.err()).isZero();
            }
            assertThat(read(shared)).isEqualTo(key);
            Cli.Result underNewKey = cli(alone(shared)).run("--redis", otherServer.url(), "--namespace", "F", "token", "slack", "--user", "bob");
            assertThat(underNewKey.out()).isEqualTo("tok-F\n");

            // another rotation is refused until the operator deletes FILE.previous
            Map<String, String> before = vault.snapshot();
            Cli.Result again = run(shared, "A", "keys", "rotate-master");
            assertThat(again.exitCode()).isEqualTo(5);
            assertThat(again.err()).isEqualTo("integ: error: the master key file " + shared + " (from INTEG_MASTER_KEY_FILE) was already "
                    + "rotated in place, and the key before it is still kept in " + sibling(shared, ".previous") + ": every namespace on this "
                    + "Redis server that uses it is under the new key; namespaces on other servers may still need the old one\n"
                    + "integ: hint: run 'integ --redis URL keys rotate-master' against every other server that shares this key file (it moves "
                    + "their namespaces and does not rotate again), then delete " + sibling(shared, ".previous") + " and run this again\n");
            assertThat(vault.snapshot()).isEqualTo(before);
            assertThat(read(shared)).isEqualTo(key);
            Files.delete(sibling(shared, ".previous"));
            ok(shared, "A", "keys", "rotate-master");
            assertThat(read(shared)).isNotEqualTo(key);
        }
    }

    /** A namespace that is not under the new key when the rotation reads them all back: the previous key stays, whatever was asked. */
    @Test
    void thePreviousKeyIsKeptWhenTheRotationCannotBeConfirmed() throws IOException {
        MasterKey onDisk = new KeysetFileMasterKey(shared, "test");
        MasterKey before = new KeysetFileMasterKey(original, "test");
        // as if a process with a stale copy of the old key wrote B's keyset back under it while C moved
        MasterKeyRotation.Steps staleWriter = (step, ns) -> {
            if (step == MasterKeyRotation.Step.NAMESPACE_MOVED && "C".equals(ns)) {
                assertThat(vault.keyring("B").sealed().reseal(onDisk, before)).isTrue();
            }
        };

        assertThatThrownBy(() -> rotation(shared, "A", staleWriter).rotate(Optional.empty(), Set.of(), true, false))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.hint())
                        .isEqualTo("run 'integ keys rotate-master' again; " + sibling(shared, ".previous") + " keeps the old key"))
                .hasMessage("the master key rotation is not confirmed: B:keyset does not open with file " + shared
                        + " (from INTEG_MASTER_KEY_FILE): it changed, or the key file did, while the rotation ran");

        assertThat(read(sibling(shared, ".previous"))).as("not deleted: B still needs it").isEqualTo(read(original));
        works(shared, "B");
        sealedBy(shared, "B");
    }

    @Test
    void namespacesThisRedisUserMayNotReadAreNamedAndNothingMoves() throws IOException {
        try (Jedis jedis = vault.jedis()) {
            jedis.aclSetUser("only-a", "on", ">only-a-password", "~A:*", "+@all");
        }
        Map<String, String> before = vault.snapshot();
        String url = "redis://only-a:only-a-password@127.0.0.1:" + URI.create(vault.url()).getPort();

        Cli.Result r = runOn(url, shared, "A", "keys", "rotate-master");

        assertThat(r.exitCode()).as(r.err()).isEqualTo(5);
        assertThat(r.err()).contains("integ: error: cannot tell whether namespaces B, C, D use the master key file " + shared);
        assertThat(vault.snapshot()).isEqualTo(before);
        assertThat(read(shared)).isEqualTo(read(original));
        assertThat(sibling(shared, ".previous")).doesNotExist();
        try (Jedis jedis = vault.jedis()) {
            jedis.aclDelUser("only-a");
        }
    }

    /** On a Cluster the namespaces' keys live on different primaries: every one is searched. */
    @Test
    void onAClusterEveryPrimaryIsSearched(@TempDir Path clusterDir) throws IOException {
        try (TestRedis one = TestRedis.start("--cluster-enabled", "yes", "--cluster-config-file", clusterDir.resolve("one.conf").toString());
             TestRedis two = TestRedis.start("--cluster-enabled", "yes", "--cluster-config-file", clusterDir.resolve("two.conf").toString())) {
            try (Jedis a = new Jedis("127.0.0.1", one.port()); Jedis b = new Jedis("127.0.0.1", two.port())) {
                a.clusterAddSlotsRange(0, 8191);
                b.clusterAddSlotsRange(8192, 16383);
                a.clusterMeet("127.0.0.1", two.port());
                // the nodes agree on their own schedule; each logs it (convergence, not a result: no clock)
                one.awaitLog("Cluster state changed: ok", Duration.ofSeconds(30));
                two.awaitLog("Cluster state changed: ok", Duration.ofSeconds(30));
            }
            // one namespace whose keys hash to each node
            List<String> namespaces = new ArrayList<>();
            for (int low = 1; low >= 0; low--) {
                for (int i = 0; ; i++) {
                    String ns = "n" + i;
                    if ((JedisClusterCRC16.getSlot(ns + ":keyset") < 8192) == (low == 1) && !namespaces.contains(ns)) {
                        namespaces.add(ns);
                        break;
                    }
                }
            }
            String url = "redis-cluster://127.0.0.1:" + one.port();
            for (String ns : namespaces) {
                assertThat(runOn(url, shared, ns, "keys", "init").exitCode()).isZero();
            }

            Cli.Result r = runOn(url, shared, namespaces.get(0), "keys", "rotate-master");

            assertThat(r.exitCode()).as(r.err()).isZero();
            Path copy = alone(shared);
            for (String ns : namespaces) {
                assertThat(r.out()).contains("moved namespace " + ns + " ");
                Cli.Result status = runOn(url, copy, ns, "keys", "status");
                assertThat(status.exitCode()).as("%s: %s", ns, status.err()).isZero();
            }
        }
    }

    // ---- to another key file ----

    @Test
    void movingToANewKeyFileTakesEveryNamespaceSealedByTheKeyOrOnlyTheOnesNamed() throws IOException {
        Map<String, String> ownKey = sealedKeys(OWN_KEY);
        Path split = dir.resolve("split/master-key.json");
        Cli.Result some = ok(shared, "C", "keys", "rotate-master", "--new-master-key-file", split.toString(), "--only-namespace", "A,B");
        assertThat(some.out()).contains("moved namespace A to file " + split + " (from --new-master-key-file): A:keyset, A:events:key, A:events:chain-key\n")
                .contains("moved namespace B to file ").contains("left under file " + shared + " (from INTEG_MASTER_KEY_FILE): C\n")
                .contains("wherever integ runs for namespaces A, B\n").doesNotContain("namespace C ");
        assertThat(mode(split)).isEqualTo("rw-------");
        sealedBy(split, "A");
        sealedBy(split, "B");
        sealedBy(shared, "C");
        assertThat(read(shared)).isEqualTo(read(original));
        assertThat(sibling(shared, ".previous")).doesNotExist();

        // by default, everything the key seals: here only C is left under it
        Path next = dir.resolve("next/master-key.json");
        Cli.Result all = ok(shared, "C", "keys", "rotate-master", "--new-master-key-file", next.toString());
        assertThat(all.out()).contains("moved namespace C to file " + next).doesNotContain("namespace A").doesNotContain("namespace " + OWN_KEY);
        for (String ns : SHARING) {
            works(ns.equals("C") ? next : split, ns);
        }
        assertThat(sealedKeys(OWN_KEY)).isEqualTo(ownKey);

        // to the key file another namespace already uses: that one was never sealed by this key, and is not named
        Cli.Result join = ok(next, "C", "keys", "rotate-master", "--new-master-key-file", other.toString());
        assertThat(join.out()).contains("moved namespace C to file " + other).doesNotContain("namespace " + OWN_KEY);
        assertThat(sealedKeys(OWN_KEY)).isEqualTo(ownKey);
        works(other, "C");
        works(other, OWN_KEY);

        // a namespace the key does not seal cannot be named
        Cli.Result notOurs = run(split, "A", "keys", "rotate-master", "--new-master-key-file", dir.resolve("x.json").toString(),
                "--only-namespace", OWN_KEY);
        assertThat(notOurs.exitCode()).isEqualTo(3);
        assertThat(notOurs.err()).startsWith("integ: error: namespace D is not sealed by the master key file " + split);
    }

    @Test
    void anInterruptedMoveToANewKeyFileIsFinishedByARerun() throws IOException {
        Path next = dir.resolve("next/master-key.json");
        KeysetFileMasterKey target = new KeysetFileMasterKey(next, "--new-master-key-file");
        assertThatThrownBy(() -> rotation(shared, "A", stopAt(MasterKeyRotation.Step.NAMESPACE_MOVED))
                .rotate(Optional.of(target), Set.of(), false, false)).isInstanceOf(Stopped.class);
        sealedBy(next, "A");
        works(shared, "B"); // not moved yet: still under the key file it uses

        Cli.Result rerun = ok(shared, "A", "keys", "rotate-master", "--new-master-key-file", next.toString());

        assertThat(rerun.out()).contains("namespace A was already under file " + next).contains("moved namespace B").contains("moved namespace C");
        for (String ns : SHARING) {
            sealedBy(next, ns);
            works(next, ns);
        }
    }

    @Test
    void optionsThatCannotApplyAreRefused() {
        Map<String, String> before = vault.snapshot();
        Cli.Result only = run(shared, "A", "keys", "rotate-master", "--only-namespace", "A");
        assertThat(only.exitCode()).isEqualTo(2);
        assertThat(only.err()).startsWith("integ: error: --only-namespace needs --new-master-key-file");
        Cli.Result delete = run(shared, "A", "keys", "rotate-master", "--new-master-key-file", dir.resolve("n.json").toString(), "--delete-previous");
        assertThat(delete.exitCode()).isEqualTo(2);
        assertThat(delete.err()).startsWith("integ: error: --delete-previous is for a rotation in place");
        Cli.Result wrongKey = run(other, "A", "keys", "rotate-master");
        assertThat(wrongKey.exitCode()).isEqualTo(5);
        assertThat(wrongKey.err()).startsWith("integ: error: cannot decrypt the data keyset at A:keyset with the master key file " + other);
        assertThat(vault.snapshot()).isEqualTo(before);
        assertThat(read(shared)).isEqualTo(read(original));
        assertThat(dir.resolve("n.json")).doesNotExist();
    }
}
