package dev.integ.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.crypto.tink.Aead;
import com.google.crypto.tink.ConfigurationV0;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import dev.integ.testing.Cli;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.RestoreParams;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every credential record is bound by its associated data to its place (namespace, provider, user)
 * and to its metadata: a record moved, altered or cut short fails to verify. `list` names it and
 * still lists the others (exit 5), `show` refuses it (exit 5), and nothing is ever deleted or repaired.
 */
class VaultIntegrityTest {
    private static final String NOT_VERIFIED = "it does not verify: altered, or moved here from another provider, user or namespace";
    private static final String RECORDS = """
            {"provider":"slack","user":"alice","access_token":"xoxb-alice-1","refresh_token":"xoxe-alice-1","scopes":"chat:write","metadata":{"team":"T1"}}
            {"provider":"slack","user":"bob","access_token":"xoxb-bob-1","scopes":"chat:write"}
            {"provider":"google","user":"alice","access_token":"ya29-alice-1","refresh_token":"1//alice-1","expires_in":3600}
            {"provider":"jira","user":"carol","access_token":"jira-carol-1"}
            """;
    private static final List<String> ALL = List.of("google/alice", "jira/carol", "slack/alice", "slack/bob");

    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();

    @BeforeEach
    void freshStoreWithFourCredentials() {
        vault.reset();
        vault.okWithInput(RECORDS, "import", "--file", "-");
        assertThat(listed(vault.ok("list", "-o", "json"))).containsExactlyElementsOf(ALL);
    }

    // ---- helpers ----

    private static List<String> listed(Cli.Result list) {
        List<String> names = new ArrayList<>();
        for (JsonNode c : VaultFixture.json(list)) {
            names.add(c.get("provider").asText() + "/" + c.get("user").asText());
        }
        names.sort(null);
        return names;
    }

    private static String integrityError(String name, String key, String reason) {
        return "integ: error: integrity failure: credential " + name + " (" + key + "): " + reason;
    }

    private static byte[] data(Jedis jedis, String key) {
        return jedis.hget(key.getBytes(StandardCharsets.UTF_8), "data".getBytes(StandardCharsets.UTF_8));
    }

    private static void setData(Jedis jedis, String key, byte[] data) {
        jedis.hset(key.getBytes(StandardCharsets.UTF_8), "data".getBytes(StandardCharsets.UTF_8), data);
    }

    /**
     * `list` (table and JSON) reports exactly {@code damaged} on stderr, still lists every other
     * record, exits 5; `show` of each damaged one exits 5 with the same message; the store is byte for
     * byte what it was before.
     */
    private static void assertDamaged(List<String> expectedListed, Map<String, String> damagedToError) {
        Map<String, String> before = vault.snapshot();

        Cli.Result json = vault.run("list", "-o", "json");
        assertThat(json.exitCode()).as("list exit code; err:%n%s", json.err()).isEqualTo(5);
        assertThat(listed(json)).containsExactlyElementsOf(expectedListed);
        assertThat(json.err().lines().toList()).containsExactlyInAnyOrderElementsOf(damagedToError.values());

        Cli.Result table = vault.run("list");
        assertThat(table.exitCode()).isEqualTo(5);
        assertThat(table.out().lines().skip(1).map(l -> l.split("\\s+")[0] + "/" + l.split("\\s+")[1]).sorted().toList())
                .containsExactlyElementsOf(expectedListed);
        assertThat(table.err().lines().toList()).containsExactlyInAnyOrderElementsOf(damagedToError.values());

        damagedToError.forEach((name, error) -> {
            String[] pu = name.split("/", 2);
            Cli.Result show = vault.run("show", pu[0], "--user", pu[1]);
            assertThat(show.exitCode()).as("show %s; err:%n%s", name, show.err()).isEqualTo(5);
            assertThat(show.out()).isEmpty();
            assertThat(show.err()).isEqualTo(error + "\n"
                    + "integ: hint: nothing was changed; restore the record from a backup or connect the account again\n");
        });

        assertThat(vault.snapshot()).as("nothing was deleted or changed").isEqualTo(before);
    }

    // ---- moved records ----

    @Test
    void recordCopiedOverAnotherUsersRecordFailsToVerify() {
        try (Jedis jedis = vault.jedis()) {
            assertThat(jedis.copy("integ:cred:slack:alice", "integ:cred:slack:bob", true)).isTrue();
        }
        assertDamaged(List.of("google/alice", "jira/carol", "slack/alice"),
                Map.of("slack/bob", integrityError("slack/bob", "integ:cred:slack:bob", NOT_VERIFIED)));
    }

    @Test
    void recordCopiedToANewUserFailsToVerify() {
        try (Jedis jedis = vault.jedis()) {
            byte[] dump = jedis.dump("integ:cred:slack:alice");
            jedis.restore("integ:cred:slack:mallory", 0, dump);
        }
        assertDamaged(ALL, Map.of("slack/mallory", integrityError("slack/mallory", "integ:cred:slack:mallory", NOT_VERIFIED)));
    }

    @Test
    void recordCopiedToAnotherProviderFailsToVerify() {
        try (Jedis jedis = vault.jedis()) {
            byte[] dump = jedis.dump("integ:cred:slack:alice");
            jedis.restore("integ:cred:google:alice", 0, dump, RestoreParams.restoreParams().replace());
        }
        assertDamaged(List.of("jira/carol", "slack/alice", "slack/bob"),
                Map.of("google/alice", integrityError("google/alice", "integ:cred:google:alice", NOT_VERIFIED)));
    }

    @Test
    void dataFieldCopiedIntoAnotherRecordFailsToVerify() {
        try (Jedis jedis = vault.jedis()) {
            setData(jedis, "integ:cred:jira:carol", data(jedis, "integ:cred:slack:bob"));
        }
        assertDamaged(List.of("google/alice", "slack/alice", "slack/bob"),
                Map.of("jira/carol", integrityError("jira/carol", "integ:cred:jira:carol", NOT_VERIFIED)));
    }

    @Test
    void recordCopiedIntoAnotherNamespaceFailsToVerify() throws Exception {
        // The other namespace gets the same data keys (re-encrypted for it, as only someone holding the
        // master key could), so the keyset is no obstacle: only the record's own binding can stop it.
        shareDataKeysWith("other");
        vault.okWithInput("{\"provider\":\"slack\",\"user\":\"dave\",\"access_token\":\"xoxb-dave\"}\n",
                "import", "--file", "-", "--namespace", "other");
        assertThat(listed(vault.ok("list", "-o", "json", "--namespace", "other"))).containsExactly("slack/dave");

        try (Jedis jedis = vault.jedis()) {
            assertThat(jedis.copy("integ:cred:slack:alice", "other:cred:slack:alice", false)).isTrue();
        }
        Map<String, String> before = vault.snapshot();
        Cli.Result list = vault.run("list", "-o", "json", "--namespace", "other");
        assertThat(list.exitCode()).as(list.err()).isEqualTo(5);
        assertThat(listed(list)).containsExactly("slack/dave");
        assertThat(list.err()).isEqualTo(integrityError("slack/alice", "other:cred:slack:alice", NOT_VERIFIED) + "\n");

        Cli.Result show = vault.run("show", "slack", "--user", "alice", "--namespace", "other");
        assertThat(show.exitCode()).isEqualTo(5);
        assertThat(show.err()).startsWith(integrityError("slack/alice", "other:cred:slack:alice", NOT_VERIFIED) + "\n");
        assertThat(vault.snapshot()).isEqualTo(before);
        // the original, in its own namespace, is fine
        assertThat(listed(vault.ok("list", "-o", "json"))).containsExactlyElementsOf(ALL);
    }

    /** Re-encrypts the default namespace's data keyset for {@code namespace} under the same master key. */
    private static void shareDataKeysWith(String namespace) throws Exception {
        AeadConfig.register();
        Aead master = TinkJsonProtoKeysetFormat.parseKeyset(Files.readString(vault.masterKeyFile()), InsecureSecretKeyAccess.get())
                .getPrimitive(ConfigurationV0.get(), Aead.class);
        try (Jedis jedis = vault.jedis()) {
            Map<byte[], byte[]> fields = jedis.hgetAll("integ:keyset".getBytes(StandardCharsets.UTF_8));
            byte[] keysetField = "keyset".getBytes(StandardCharsets.UTF_8);
            byte[] encrypted = fields.entrySet().stream().filter(e -> Arrays.equals(e.getKey(), keysetField)).findFirst()
                    .orElseThrow().getValue();
            KeysetHandle keys = TinkProtoKeysetFormat.parseEncryptedKeyset(encrypted, master,
                    "integ data keyset v1|integ".getBytes(StandardCharsets.UTF_8));
            byte[] again = TinkProtoKeysetFormat.serializeEncryptedKeyset(keys, master,
                    ("integ data keyset v1|" + namespace).getBytes(StandardCharsets.UTF_8));
            byte[] target = (namespace + ":keyset").getBytes(StandardCharsets.UTF_8);
            fields.forEach((f, v) -> jedis.hset(target, f, Arrays.equals(f, keysetField) ? again : v));
        }
    }

    // ---- altered records ----

    @Test
    void alteredMetadataByteFailsToVerify() {
        try (Jedis jedis = vault.jedis()) {
            byte[] data = data(jedis, "integ:cred:slack:alice");
            // the status "active" is stored in clear: "activf" still parses, so only the AEAD can tell
            int at = indexOf(data, "active".getBytes(StandardCharsets.UTF_8));
            assertThat(at).isPositive();
            data[at + 5] = 'f';
            setData(jedis, "integ:cred:slack:alice", data);
        }
        assertDamaged(List.of("google/alice", "jira/carol", "slack/bob"),
                Map.of("slack/alice", integrityError("slack/alice", "integ:cred:slack:alice", NOT_VERIFIED)));
    }

    @Test
    void alteredCiphertextByteFailsToVerify() {
        try (Jedis jedis = vault.jedis()) {
            byte[] data = data(jedis, "integ:cred:slack:bob");
            data[data.length - 1] ^= 1;
            setData(jedis, "integ:cred:slack:bob", data);
        }
        assertDamaged(List.of("google/alice", "jira/carol", "slack/alice"),
                Map.of("slack/bob", integrityError("slack/bob", "integ:cred:slack:bob", NOT_VERIFIED)));
    }

    @Test
    void truncatedDataFieldFailsToVerify() {
        try (Jedis jedis = vault.jedis()) {
            byte[] bob = data(jedis, "integ:cred:slack:bob");
            setData(jedis, "integ:cred:slack:bob", Arrays.copyOf(bob, bob.length - 16)); // the GCM tag cut off
            byte[] carol = data(jedis, "integ:cred:jira:carol");
            setData(jedis, "integ:cred:jira:carol", Arrays.copyOf(carol, 20)); // cut inside the metadata
        }
        assertDamaged(List.of("google/alice", "slack/alice"), Map.of(
                "slack/bob", integrityError("slack/bob", "integ:cred:slack:bob", NOT_VERIFIED),
                "jira/carol", integrityError("jira/carol", "integ:cred:jira:carol", "record is truncated")));
    }

    @Test
    void missingRevOrDataFieldIsAnIncompleteRecord() {
        try (Jedis jedis = vault.jedis()) {
            jedis.hdel("integ:cred:slack:bob", "rev");
            jedis.hdel("integ:cred:google:alice", "data");
        }
        String incomplete = "the record is incomplete (rev or data missing)";
        assertDamaged(List.of("jira/carol", "slack/alice"), Map.of(
                "slack/bob", integrityError("slack/bob", "integ:cred:slack:bob", incomplete),
                "google/alice", integrityError("google/alice", "integ:cred:google:alice", incomplete)));
    }

    @Test
    void somethingThatIsNotARecordIsReportedNotFatal() {
        try (Jedis jedis = vault.jedis()) {
            jedis.hset("integ:cred:slack:zed", Map.of("rev", "1", "data", "hello"));
        }
        assertDamaged(ALL, Map.of("slack/zed", integrityError("slack/zed", "integ:cred:slack:zed", "not an integ credential record")));
    }

    /**
     * A key of the wrong type under the credential prefix (a string, not a hash) is one damaged
     * record: it must not stop `list` from listing every other credential.
     */
    @Test
    void aKeyOfTheWrongTypeIsOneDamagedRecord() {
        try (Jedis jedis = vault.jedis()) {
            jedis.set("integ:cred:slack:zed", "not a hash");
        }
        Cli.Result list = vault.run("list", "-o", "json");
        assertThat(list.exitCode()).as("list exit code; out:%n%s%nerr:%n%s", list.out(), list.err()).isEqualTo(5);
        assertThat(listed(list)).containsExactlyElementsOf(ALL);
        assertThat(list.err()).startsWith("integ: error: integrity failure: credential slack/zed (integ:cred:slack:zed)");

        Cli.Result show = vault.run("show", "slack", "--user", "zed");
        assertThat(show.exitCode()).as(show.err()).isEqualTo(5);
        assertThat(show.err()).startsWith("integ: error: integrity failure: credential slack/zed (integ:cred:slack:zed)");
        Cli.Result status = vault.run("keys", "status", "-o", "json");
        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(VaultFixture.json(status).get("unknown_key_records").asLong()).isEqualTo(1);
        Cli.Result rewrap = vault.run("keys", "rewrap");
        assertThat(rewrap.exitCode()).as(rewrap.err()).isEqualTo(5);
        assertThat(rewrap.err()).startsWith("integ: error: integrity failure: credential slack/zed (integ:cred:slack:zed): ")
                .contains("; not rewrapped, left as it was\n");
        try (Jedis jedis = vault.jedis()) {
            assertThat(jedis.get("integ:cred:slack:zed")).isEqualTo("not a hash");
        }
    }

    // ---- the keys jobs leave damaged records alone ----

    @Test
    void rewrapNamesDamagedRecordsAndLeavesThemAsTheyWere() {
        try (Jedis jedis = vault.jedis()) {
            jedis.copy("integ:cred:slack:alice", "integ:cred:slack:bob", true);
        }
        vault.ok("keys", "rotate");
        String bobBefore = vault.snapshot().get("integ:cred:slack:bob");

        Cli.Result rewrap = vault.run("keys", "rewrap");
        assertThat(rewrap.exitCode()).isEqualTo(5);
        assertThat(rewrap.out()).contains("rewrapped 3 of 4 records", "1 damaged");
        assertThat(rewrap.err()).isEqualTo(integrityError("slack/bob", "integ:cred:slack:bob", NOT_VERIFIED) + "; not rewrapped, left as it was\n"
                + "integ: error: 1 damaged record left as it was (not rewrapped)\n"
                + "integ: hint: restore them from a backup or connect the accounts again; 'integ list' names them too\n");
        assertThat(vault.snapshot().get("integ:cred:slack:bob")).isEqualTo(bobBefore);
        assertThat(listed(vault.run("list", "-o", "json"))).containsExactly("google/alice", "jira/carol", "slack/alice");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
