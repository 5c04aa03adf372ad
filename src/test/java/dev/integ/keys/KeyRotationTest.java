package dev.integ.keys;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.core.ExitCode;
import dev.integ.config.Settings;
import dev.integ.core.IntegException;
import dev.integ.store.LockLease;
import dev.integ.testing.Cli;
import dev.integ.testing.VaultFixture;
import dev.integ.vault.Credential;
import dev.integ.vault.CredentialStore;
import dev.integ.vault.CredentialVault;
import dev.integ.vault.KeyRotation;
import dev.integ.vault.Secrets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import static dev.integ.testing.VaultFixture.NS;
import static dev.integ.testing.VaultFixture.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Data key rotation end to end: rotate, rewrap, retire through the CLI; concurrent rotations;
 * a rewrap killed half-way and resumed; a rewrap racing a writer that refreshes tokens.
 */
class KeyRotationTest {
    private static final String LOCK = NS + ":lock:keys";
    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();

    @BeforeEach
    void freshStore() {
        vault.reset();
    }

    // ---- helpers ----

    /** {@code count} slack credentials, user-0..user-N, access token "old-i". */
    private static String lines(int count) {
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < count; i++) {
            file.append("{\"provider\":\"slack\",\"user\":\"user-").append(i).append("\",\"access_token\":\"old-").append(i)
                    .append("\",\"refresh_token\":\"refresh-").append(i).append("\",\"expires_in\":3600}\n");
        }
        return file.toString();
    }

    private static void importRecords(int count) {
        vault.okWithInput(lines(count), "import", "--file", "-");
    }

    private static int keyCount() {
        return vault.status().get("keys").size();
    }

    /** Every record through a fresh vault: user -> access token; fails on any damaged record. */
    private static Map<String, String> accessTokens() {
        Map<String, String> tokens = new HashMap<>();
        CredentialVault reader = vault.vault(NS);
        List<String> damaged = new ArrayList<>();
        reader.list(CredentialVault.Filter.ALL, c -> tokens.put(c.user(),
                        reader.read(c.provider(), c.user()).orElseThrow().secrets().revealAccessToken()),
                d -> damaged.add(d.name() + ": " + d.reason()));
        assertThat(damaged).isEmpty();
        return tokens;
    }

    private static Map<String, String> expectedTokens(int count, Map<String, String> overrides) {
        Map<String, String> expected = new HashMap<>();
        for (int i = 0; i < count; i++) {
            expected.put("user-" + i, "old-" + i);
        }
        expected.putAll(overrides);
        return expected;
    }

    /** A refresh as an OAuth client does it: read the record, write new secrets if its rev has not moved. */
    private static boolean refresh(CredentialVault writer, String user, String newAccessToken) {
        CredentialVault.Opened current = writer.read("slack", user).orElseThrow();
        Credential c = current.credential();
        Instant now = Instant.now();
        Credential refreshed = new Credential(c.provider(), c.user(), c.status(), c.scopes(), now.plusSeconds(3600), c.refreshExpiresAt(),
                true, c.createdAt(), now, c.account());
        return writer.save(refreshed, new Secrets(newAccessToken, "refresh-" + newAccessToken, Map.of()), current.rev());
    }

    // ---- 4. rotate, rewrap, retire through the CLI ----

    @Test
    void rotateRewrapRetireThroughTheCli() {
        importRecords(5);
        JsonNode initial = vault.status();
        String old = initial.get("keys").get(0).get("id").asText();
        assertThat(initial.get("records").asLong()).isEqualTo(5);
        assertThat(initial.get("last_rotation").isNull()).isTrue();
        assertThat(vault.recordsPerKey()).isEqualTo(Map.of(old, 5L));

        // a dry run changes nothing
        Map<String, String> before = vault.snapshot();
        JsonNode dry = json(vault.ok("keys", "rotate", "--dry-run", "-o", "json"));
        assertThat(dry.get("dry_run").asBoolean()).isTrue();
        assertThat(dry.get("previous_primary").asText()).isEqualTo(old);
        assertThat(dry.get("new_primary").isNull()).isTrue();
        assertThat(vault.snapshot()).isEqualTo(before);

        JsonNode rotated = json(vault.ok("keys", "rotate", "-o", "json"));
        assertThat(rotated.get("previous_primary").asText()).isEqualTo(old);
        String next = rotated.get("new_primary").asText();
        assertThat(next).matches("[0-9a-f]{8}").isNotEqualTo(old);
        JsonNode afterRotate = vault.status();
        assertThat(afterRotate.get("keyset_version").asLong()).isEqualTo(initial.get("keyset_version").asLong() + 1);
        assertThat(afterRotate.get("last_rotation").isNull()).isFalse();
        assertThat(vault.primaryKey()).isEqualTo(next);
        assertThat(vault.recordsPerKey()).isEqualTo(Map.of(old, 5L, next, 0L));

        // the old key still encrypts records: refused, nothing changes
        before = vault.snapshot();
        Cli.Result early = vault.run("keys", "retire", old);
        assertThat(early.exitCode()).isEqualTo(1);
        assertThat(early.err()).isEqualTo("integ: error: key " + old + " still encrypts 5 records: retiring it would make them unreadable\n"
                + "integ: hint: run 'integ keys rewrap' first\n");
        Cli.Result primary = vault.run("keys", "retire", next);
        assertThat(primary.exitCode()).isEqualTo(2);
        assertThat(primary.err()).isEqualTo("integ: error: key " + next + " is the primary key: new records are encrypted under it\n"
                + "integ: hint: run 'integ keys rotate' first, then 'integ keys rewrap'\n");
        assertThat(vault.snapshot()).isEqualTo(before);

        // new writes go under the new primary key
        vault.okWithInput("{\"provider\":\"jira\",\"user\":\"late\",\"access_token\":\"jira-late\"}\n", "import", "--file", "-");
        assertThat(vault.recordsPerKey()).isEqualTo(Map.of(old, 5L, next, 1L));

        before = vault.snapshot();
        JsonNode dryRewrap = json(vault.ok("keys", "rewrap", "--dry-run", "-o", "json"));
        assertThat(dryRewrap.get("dry_run").asBoolean()).isTrue();
        assertThat(dryRewrap.get("rewrapped").asLong()).isEqualTo(5);
        assertThat(vault.snapshot()).isEqualTo(before);

        JsonNode rewrap = json(vault.ok("keys", "rewrap", "-o", "json"));
        assertThat(rewrap.get("primary_key").asText()).isEqualTo(next);
        assertThat(rewrap.get("scanned").asLong()).isEqualTo(6);
        assertThat(rewrap.get("rewrapped").asLong()).isEqualTo(5);
        assertThat(rewrap.get("already_current").asLong()).isEqualTo(1);
        assertThat(rewrap.get("raced").asLong()).isZero();
        assertThat(rewrap.get("damaged").asLong()).isZero();
        assertThat(rewrap.get("dry_run").asBoolean()).isFalse();
        assertThat(vault.recordsPerKey()).isEqualTo(Map.of(old, 0L, next, 6L));

        before = vault.snapshot();
        JsonNode dryRetire = json(vault.ok("keys", "retire", old, "--dry-run", "-o", "json"));
        assertThat(dryRetire.get("key").asText()).isEqualTo(old);
        assertThat(dryRetire.get("dry_run").asBoolean()).isTrue();
        assertThat(vault.snapshot()).isEqualTo(before);

        long versionBeforeRetire = vault.status().get("keyset_version").asLong();
        JsonNode marked = json(vault.ok("keys", "retire", old, "-o", "json"));
        assertThat(marked.get("key").asText()).isEqualTo(old);
        assertThat(marked.get("step").asText()).isEqualTo("MARKED");
        assertThat(marked.get("dry_run").asBoolean()).isFalse();
        Instant since = Instant.parse(marked.get("retiring_since").asText());
        assertThat(Duration.between(since, Instant.parse(marked.get("deletable_after").asText()))).isEqualTo(Settings.DEFAULT_RETIRE_GRACE);
        JsonNode whileRetiring = vault.status();
        assertThat(keyStatus(whileRetiring, old)).as("still in the keyset, still decrypting").isEqualTo("retiring");
        assertThat(whileRetiring.get("keyset_version").asLong()).isGreaterThan(versionBeforeRetire);

        // within the grace period a second run changes nothing and says when the key can go
        before = vault.snapshot();
        Cli.Result waiting = vault.ok("keys", "retire", old);
        assertThat(waiting.out()).startsWith("key " + old + " is retiring since ").contains("it can be deleted after");
        assertThat(vault.snapshot()).isEqualTo(before);

        // the grace period is over (the mark is moved back, as if it had passed): the next run deletes the key
        vault.backdateRetiring(old, Settings.DEFAULT_RETIRE_GRACE);
        JsonNode deleted = json(vault.ok("keys", "retire", old, "-o", "json"));
        assertThat(deleted.get("step").asText()).isEqualTo("DELETED");
        JsonNode afterRetire = vault.status();
        assertThat(vault.recordsPerKey()).isEqualTo(Map.of(next, 6L));
        assertThat(afterRetire.get("keys")).hasSize(1);
        assertThat(afterRetire.get("keys").get(0).get("primary").asBoolean()).isTrue();
        assertThat(afterRetire.get("unknown_key_records").asLong()).isZero();

        // everything still reads
        Cli.Result list = vault.ok("list", "-o", "json");
        assertThat(json(list).size()).isEqualTo(6);
        assertThat(list.err()).isEmpty();
        assertThat(accessTokens()).containsAllEntriesOf(expectedTokens(5, Map.of())).containsEntry("late", "jira-late");

        Cli.Result again = vault.run("keys", "retire", old);
        assertThat(again.exitCode()).isEqualTo(3);
        assertThat(again.err()).startsWith("integ: error: no key " + old + " in the keyset\n");
    }

    @Test
    void dryRunsChangeNeitherTheKeysetNorTheCounts() {
        importRecords(3);
        vault.ok("keys", "rotate");
        JsonNode status = vault.status();
        Map<String, String> before = vault.snapshot();

        vault.ok("keys", "rotate", "--dry-run");
        vault.ok("keys", "rewrap", "--dry-run");
        String old = vault.status().get("keys").get(0).get("id").asText();
        assertThat(vault.run("keys", "retire", old, "--dry-run").exitCode()).isEqualTo(1); // still in use: refused, dry or not

        assertThat(vault.status().get("keyset_version")).isEqualTo(status.get("keyset_version"));
        assertThat(vault.status().get("keys")).isEqualTo(status.get("keys"));
        assertThat(vault.snapshot()).isEqualTo(before);
    }

    /**
     * Reproduction 1 of issue 10: a writer (an import, a refresh --all) loaded the keyset before the
     * rotation and lands a record under the old key after rewrap and retire. The key is only marked
     * retiring, so the record stays readable; after the grace the retire counts it and refuses; rewrap,
     * then retire, works, and nothing is lost.
     */
    @Test
    void aWriterThatLoadedTheKeysetBeforeTheRotationNeverStrandsARecord() {
        importRecords(3);
        String old = vault.primaryKey();
        CredentialVault staleWriter = vault.vault(NS);
        staleWriter.read("slack", "user-0"); // loads its keys now, before the rotation
        vault.ok("keys", "rotate");
        String next = vault.primaryKey();
        vault.ok("keys", "rewrap");
        vault.ok("keys", "retire", old);

        assertThat(saveLate(staleWriter)).isTrue();
        assertThat(vault.recordsPerKey()).as("written under the key it knew, which still decrypts").isEqualTo(Map.of(old, 1L, next, 3L));
        assertThat(accessTokens()).containsEntry("late", "late-token").hasSize(4);

        vault.backdateRetiring(old, Settings.DEFAULT_RETIRE_GRACE);
        Cli.Result refused = vault.run("keys", "retire", old);
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).isEqualTo("integ: error: key " + old + " still encrypts 1 record: retiring it would make them unreadable\n"
                + "integ: hint: run 'integ keys rewrap', then retire it again\n");
        assertThat(keyStatus(vault.status(), old)).isEqualTo("retiring");

        vault.ok("keys", "rewrap");
        assertThat(json(vault.ok("keys", "retire", old, "-o", "json")).get("step").asText()).isEqualTo("DELETED");
        assertThat(vault.recordsPerKey()).isEqualTo(Map.of(next, 4L));
        assertThat(accessTokens()).containsEntry("late", "late-token").hasSize(4);
    }

    /**
     * The window the old retire had between its last count and the delete: a writer stalled (SIGSTOP,
     * GC, network) since before the rotation writes exactly there. Its keys' write lease ended long
     * ago, so the store refuses the write and the vault seals it again with the current keys: the
     * record lands under the new primary key and the retired key can go. Without the lease check in
     * the store's write script the record would be under the deleted key, unreadable.
     */
    @Test
    void aWriterStalledPastItsWriteLeaseCannotWriteUnderARetiredKey() {
        importRecords(3);
        String old = vault.primaryKey();
        DataKeys loadedBeforeRotation = vault.keyring(NS).load();
        vault.ok("keys", "rotate");
        String next = vault.primaryKey();
        vault.ok("keys", "rewrap");
        vault.ok("keys", "retire", old);
        vault.backdateRetiring(old, Settings.DEFAULT_RETIRE_GRACE);

        // the writer has been stalled as long as the grace: its keys were last confirmed then
        long stalledSince = vault.serverMillis() - Settings.DEFAULT_RETIRE_GRACE.toMillis();
        boolean[] stale = {true};
        CredentialVault staleWriter = vault.vault(NS, () -> {
            if (stale[0]) {
                stale[0] = false;
                return loadedBeforeRotation.confirmedAt(stalledSince);
            }
            return vault.keyring(NS).load();
        });

        // the retire reads the master key once to load the keyset, and again to store it without the
        // key, after its final count: the stalled writer wakes up in between
        MasterKey file = new KeysetFileMasterKey(vault.masterKeyFile(), "INTEG_MASTER_KEY_FILE");
        int[] calls = {0};
        boolean[] written = {false};
        MasterKey interleaved = new MasterKey() {
            @Override
            public String describe() {
                return file.describe();
            }

            @Override
            public boolean exists() {
                return file.exists();
            }

            @Override
            public void create() {
                file.create();
            }

            @Override
            public com.google.crypto.tink.Aead aead() {
                if (++calls[0] == 2) {
                    written[0] = saveLate(staleWriter);
                }
                return file.aead();
            }
        };
        KeyRotation retiring = new KeyRotation(new Keyring(vault.client(), vault.keys(NS), interleaved, java.time.Clock.systemUTC()),
                vault.vault(NS), () -> AdminLock.acquire(vault.client(), LOCK, Duration.ZERO));
        assertThat(retiring.retire(DataKeys.parseId(old), Settings.DEFAULT_RETIRE_GRACE, false).step())
                .isEqualTo(KeyRotation.RetireStep.DELETED);

        assertThat(written[0]).as("the stalled writer ran, and its write landed").isTrue();
        assertThat(stale[0]).as("its first seal used the stale keys").isFalse();
        assertThat(vault.recordsPerKey()).isEqualTo(Map.of(next, 4L));
        assertThat(accessTokens()).containsEntry("late", "late-token").hasSize(4);
    }

    /**
     * Found by TortureIT: a `token` that loaded the keyset before a rotation met a record the rewrap had
     * already moved under the new key, and reported it as an integrity failure (exit 5, an alarm). A key
     * id the reader does not know makes it look at the keyset again first.
     */
    @Test
    void aReaderThatLoadedTheKeysetBeforeARotationReadsRecordsRewrappedSince() {
        importRecords(2);
        CredentialVault reader = vault.vault(NS);
        reader.read("slack", "user-0"); // loads its keys now, before the rotation
        vault.ok("keys", "rotate");
        vault.ok("keys", "rewrap");
        long alarms = integrityEvents();

        assertThat(reader.read("slack", "user-1").orElseThrow().secrets().revealAccessToken()).isEqualTo("old-1");
        assertThat(integrityEvents()).as("no false alarm").isEqualTo(alarms);
    }

    private static long integrityEvents() {
        return vault.ok("events", "--action", "integrity.failure", "-o", "json").out().lines().count();
    }

    private static String keyStatus(JsonNode status, String keyId) {
        for (JsonNode key : status.get("keys")) {
            if (key.get("id").asText().equals(keyId)) {
                return key.get("status").asText();
            }
        }
        throw new AssertionError("no key " + keyId + " in " + status);
    }

    private static boolean saveLate(CredentialVault writer) {
        Instant now = Instant.now();
        return writer.save(new Credential("slack", "late", Credential.ACTIVE, List.of(), null, null, false, now, now, Map.of()),
                new Secrets("late-token", null, Map.of()), 0);
    }
    // ---- 5. concurrent rotations ----

    @Test
    void concurrentRotationsThroughTheCliLoseNoKey() throws Exception {
        importRecords(20);
        for (String wait : List.of("10s", "0s")) { // with and without waiting for the lock
            int keysBefore = keyCount();
            List<Cli.Result> results = concurrently(4, () -> vault.run("keys", "rotate", "-o", "json", "--wait", wait));

            List<String> newKeys = new ArrayList<>();
            for (Cli.Result r : results) {
                assertThat(r.exitCode()).as("wait %s, err:%n%s", wait, r.err()).isIn(0, 4);
                if (r.exitCode() == 0) {
                    newKeys.add(json(r).get("new_primary").asText());
                } else {
                    assertThat(r.err()).startsWith("integ: error: another 'integ keys' job is running: the lock " + LOCK + " is held");
                }
            }
            assertThat(newKeys).as("wait %s", wait).isNotEmpty().doesNotHaveDuplicates();
            if (wait.equals("10s")) {
                assertThat(newKeys).hasSize(4);
            }
            assertThat(keyCount()).as("wait %s", wait).isEqualTo(keysBefore + newKeys.size());
            assertThat(vault.recordsPerKey().keySet()).containsAll(newKeys);
            assertThat(newKeys).contains(vault.primaryKey());
        }
        assertThat(accessTokens()).isEqualTo(expectedTokens(20, Map.of()));
        try (Jedis jedis = vault.jedis()) {
            assertThat(jedis.exists(LOCK)).as("every job released the lock").isFalse();
        }
    }

    /** Without the admin lock (each job its own), the keyset's compare-and-set alone keeps every rotation. */
    @Test
    void concurrentRotationsWithoutTheLockStillLoseNoKey() throws Exception {
        importRecords(5);
        int keysBefore = keyCount();
        List<Object> results = concurrently(6, () -> {
            String ownLock = "test:lock:" + Thread.currentThread().getId();
            KeyRotation rotation = vault.rotation(NS, vault.vault(NS), () -> AdminLock.acquire(vault.client(), ownLock, Duration.ZERO));
            try {
                return rotation.rotate(false).newPrimary();
            } catch (IntegException e) {
                assertThat(e.exitCode()).isEqualTo(ExitCode.RETRY_LATER);
                return e;
            }
        });
        List<Object> rotated = results.stream().filter(r -> r instanceof String).toList();
        assertThat(rotated).isNotEmpty().doesNotHaveDuplicates();
        assertThat(keyCount()).isEqualTo(keysBefore + rotated.size());
        assertThat(accessTokens()).isEqualTo(expectedTokens(5, Map.of()));
    }

    private static <T> List<T> concurrently(int threads, Callable<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch ready = new CountDownLatch(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return task.call();
                }));
            }
            assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- 6. a rewrap killed half-way, then resumed ----

    @Test
    void rewrapInterruptedAfterItsFirstBatchResumesWhereItStopped() {
        int count = 2500;
        importRecords(count);
        String old = vault.primaryKey();
        vault.ok("keys", "rotate");
        String next = vault.primaryKey();

        RuntimeException killed = new RuntimeException("killed after the first batch");
        long[] done = {0, 0};
        KeyRotation first = vault.rotation(NS, Duration.ZERO);
        assertThatThrownBy(() -> first.rewrap(false, (d, total) -> {
            done[0] = d;
            done[1] = total;
            throw killed;
        })).isSameAs(killed);

        assertThat(done[1]).isEqualTo(count);
        assertThat(done[0]).as("one SCAN batch of about 1000").isBetween(1L, count - 1L);
        // writes run behind the decryption, so batches already handed to the writer may have landed
        // too; each record is either still under the old key or fully under the new one
        Map<String, Long> afterKill = vault.recordsPerKey();
        long firstBatch = afterKill.getOrDefault(next, 0L);
        assertThat(firstBatch).as("at least the batch reported done").isGreaterThanOrEqualTo(done[0]);
        assertThat(afterKill).isEqualTo(Map.of(old, count - firstBatch, next, firstBatch));
        assertThat(accessTokens()).as("nothing lost or broken by the kill").isEqualTo(expectedTokens(count, Map.of()));
        try (Jedis jedis = vault.jedis()) {
            assertThat(jedis.exists(LOCK)).as("the lock was released on the way out").isFalse();
        }

        // no wait at all: it would fail with "retry later" if the lock were still held
        KeyRotation.RewrapResult resumed = vault.rotation(NS, Duration.ZERO).rewrap(false, KeyRotation.Progress.NONE);
        assertThat(resumed.scanned()).isEqualTo(count);
        assertThat(resumed.alreadyCurrent()).isEqualTo(firstBatch);
        assertThat(resumed.rewrapped()).isEqualTo(count - firstBatch);
        assertThat(resumed.raced()).isZero();
        assertThat(resumed.damaged()).isZero();
        assertThat(vault.recordsPerKey()).isEqualTo(Map.of(old, 0L, next, (long) count));
        assertThat(accessTokens()).isEqualTo(expectedTokens(count, Map.of()));
        vault.ok("keys", "retire", old);
    }

    /** A job killed for real never releases its lock: the next one is told to retry, and the lock expires. */
    @Test
    void aLockLeftByAKilledJobMeansRetryLaterAndExpires() {
        importRecords(2);
        vault.ok("keys", "rotate");
        try (Jedis jedis = vault.jedis()) {
            jedis.set(LOCK, "token-of-a-killed-job", SetParams.setParams().nx().px(LockLease.DEFAULT.toMillis()));
            Map<String, String> before = vault.snapshot();

            for (String job : List.of("rewrap", "rotate")) {
                Cli.Result r = vault.run("keys", job, "--wait", "0s");
                assertThat(r.exitCode()).as(job).isEqualTo(4);
                assertThat(r.err()).matches("integ: error: another 'integ keys' job is running: the lock " + LOCK
                        + " is held for up to \\d+s more\ninteg: hint: retry later, or give it longer with --wait\n");
            }
            assertThat(vault.snapshot()).isEqualTo(before);
            assertThat(jedis.pttl(LOCK)).isBetween(1L, LockLease.DEFAULT.toMillis());
            jedis.del(LOCK);
        }
        assertThat(json(vault.ok("keys", "rewrap", "--wait", "0s", "-o", "json")).get("rewrapped").asLong()).isEqualTo(2);
    }

    // ---- 7. a refresh racing the rewrap ----

    /**
     * One rewrap batch whose records were read before a writer refreshed some of them: its
     * compare-and-set is rejected for exactly those, which keep the writer's secrets.
     */
    @Test
    void staleRewrapWritesAreRejectedAndTheRefreshedSecretsSurvive() {
        importRecords(10);
        vault.ok("keys", "rotate");
        String next = vault.primaryKey();

        CredentialVault rewrapper = vault.vault(NS);
        List<CredentialStore.Stored> read = new ArrayList<>();
        rewrapper.scanRecords(read::addAll);
        assertThat(read).hasSize(10);

        CredentialVault writer = vault.vault(NS);
        Map<String, String> refreshed = new HashMap<>();
        for (String user : List.of("user-1", "user-4", "user-7")) {
            assertThat(refresh(writer, user, "new-" + user)).isTrue();
            refreshed.put(user, "new-" + user);
        }

        CredentialVault.RewrapBatch done = rewrapper.rewrap(read, false);
        assertThat(done.scanned()).isEqualTo(10);
        assertThat(done.raced()).isEqualTo(3);
        assertThat(done.rewrapped()).isEqualTo(7);
        assertThat(done.alreadyCurrent()).isZero();
        assertThat(done.damaged()).isEmpty();
        assertThat(accessTokens()).isEqualTo(expectedTokens(10, refreshed));
        assertThat(vault.recordsPerKey()).containsEntry(next, 10L);

        // and at the lowest level: a stale copy written back with the rev it was read at is refused, every one
        List<CredentialStore.Outcome> applied = rewrapper.store().compareAndSetAll(read.stream()
                .map(s -> new CredentialStore.Write(s.key(), s.rev(), s.data(), null, true, Long.MAX_VALUE)).toList());
        assertThat(applied).hasSize(10).containsOnly(CredentialStore.Outcome.CONFLICT);
        assertThat(accessTokens()).isEqualTo(expectedTokens(10, refreshed));
    }

    /**
     * Deterministic interleaving inside KeyRotation.rewrap: a batch is read by SCAN before the vault
     * first asks for its keys (for the primary key id); at that moment a writer that loaded its keys
     * before the rotation (so it still writes under the old key) refreshes three of the records read.
     */
    @Test
    void rewrapLeavesRecordsRefreshedMeanwhileToTheirWriterAndTheNextRunMovesThem() {
        int count = 10;
        importRecords(count);
        String old = vault.primaryKey();
        CredentialVault staleWriter = vault.vault(NS);
        staleWriter.read("slack", "user-0"); // loads its keys now, before the rotation
        vault.ok("keys", "rotate");
        String next = vault.primaryKey();

        Supplier<DataKeys> keys = VaultFixture.memoized(vault.keyring(NS)::load);
        int[] calls = {0};
        Map<String, String> refreshed = new HashMap<>();
        Supplier<DataKeys> interleaved = () -> {
            if (++calls[0] == 1) { // the batch has been read; nothing is re-encrypted yet
                for (String user : List.of("user-2", "user-3", "user-9")) {
                    assertThat(refresh(staleWriter, user, "new-" + user)).isTrue();
                    refreshed.put(user, "new-" + user);
                }
            }
            return keys.get();
        };
        KeyRotation rotation = vault.rotation(NS, vault.vault(NS, interleaved),
                () -> AdminLock.acquire(vault.client(), LOCK, Duration.ZERO));

        KeyRotation.RewrapResult r = rotation.rewrap(false, KeyRotation.Progress.NONE);

        assertThat(refreshed).as("the writer ran").hasSize(3);
        assertThat(r.scanned()).isEqualTo(count);
        assertThat(r.raced()).isEqualTo(3);
        assertThat(r.rewrapped()).isEqualTo(count - 3);
        assertThat(r.alreadyCurrent()).isZero();
        assertThat(accessTokens()).isEqualTo(expectedTokens(count, refreshed));
        assertThat(vault.recordsPerKey()).as("the writer wrote under the key it knew").isEqualTo(Map.of(old, 3L, next, count - 3L));

        KeyRotation.RewrapResult second = vault.rotation(NS, Duration.ZERO).rewrap(false, KeyRotation.Progress.NONE);
        assertThat(second.rewrapped()).isEqualTo(3);
        assertThat(second.alreadyCurrent()).isEqualTo(count - 3);
        assertThat(second.raced()).isZero();
        assertThat(vault.recordsPerKey()).isEqualTo(Map.of(old, 0L, next, (long) count));
        assertThat(accessTokens()).isEqualTo(expectedTokens(count, refreshed));
    }

    /** A writer refreshing records the whole time a rewrap runs: whatever the timing, no refresh is lost. */
    @Test
    void rewrapBesideABusyWriterNeverClobbersARefresh() throws Exception {
        int count = 300;
        importRecords(count);
        vault.ok("keys", "rotate");
        String next = vault.primaryKey();

        Map<String, String> lastWritten = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch writing = new CountDownLatch(20);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        KeyRotation.RewrapResult r;
        Future<Integer> writer;
        try {
            writer = pool.submit(() -> {
                CredentialVault w = vault.vault(NS);
                int writes = 0;
                for (int n = 0; !stop.get(); n++) {
                    String user = "user-" + (n * 7 % count);
                    String token = "w-" + n;
                    if (refresh(w, user, token)) { // a lost compare-and-set is the writer's to retry; here it just moves on
                        lastWritten.put(user, token);
                        writes++;
                        writing.countDown();
                    }
                }
                return writes;
            });
            assertThat(writing.await(30, TimeUnit.SECONDS)).isTrue();
            r = vault.rotation(NS, Duration.ZERO).rewrap(false, KeyRotation.Progress.NONE);
        } finally {
            stop.set(true);
            pool.shutdown();
        }
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(writer.get()).isGreaterThanOrEqualTo(20);

        assertThat(r.scanned()).isEqualTo(count);
        assertThat(r.rewrapped() + r.alreadyCurrent() + r.raced()).isEqualTo(count);
        assertThat(r.damaged()).isZero();
        assertThat(accessTokens()).isEqualTo(expectedTokens(count, lastWritten));
        // the writer writes under the new primary key, so raced records are there too
        assertThat(vault.recordsPerKey()).containsEntry(next, (long) count);
        KeyRotation.RewrapResult second = vault.rotation(NS, Duration.ZERO).rewrap(false, KeyRotation.Progress.NONE);
        assertThat(second.rewrapped()).isZero();
        assertThat(second.alreadyCurrent()).isEqualTo(count);
    }
}
