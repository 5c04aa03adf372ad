package dev.integ.vault;

import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.integ.testing.VaultFixture.NS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checks of every credential write, made by the store's script against Redis' own clock: the
 * revision a writer read (which only ever grows, even across a delete and re-create), and the write
 * lease of the keys that sealed the record.
 */
class CompareAndSetTest {
    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();

    @BeforeEach
    void freshStore() {
        vault.reset();
        vault.ok("keys", "init");
    }

    /**
     * Reproduction 3 of issue 10 (ABA): a refresher read the credential, then it was forgotten and
     * connected again. The refresher's write over the rev it read must lose to the new grant; with
     * revisions that restart at 1 on re-create it would have replaced it.
     */
    @Test
    void aWriterHoldingARevisionFromBeforeADeleteAndRecreateLoses() {
        CredentialVault vaultOfRefresher = vault.vault(NS);
        assertThat(vaultOfRefresher.save(credential(), new Secrets("first-grant", "refresh-1", Map.of()), 0)).isTrue();
        long readByRefresher = vaultOfRefresher.read("slack", "alice").orElseThrow().rev();

        vault.ok("forget", "slack", "--user", "alice", "--yes");
        CredentialVault vaultOfConnect = vault.vault(NS);
        assertThat(vaultOfConnect.save(credential(), new Secrets("second-grant", "refresh-2", Map.of()), 0)).isTrue();
        long recreated = vaultOfConnect.read("slack", "alice").orElseThrow().rev();
        assertThat(recreated).as("revisions grow across a delete and re-create").isGreaterThan(readByRefresher);

        assertThat(vaultOfRefresher.save(credential(), new Secrets("refreshed-first-grant", "refresh-1b", Map.of()), readByRefresher))
                .as("the stale refresher's write").isFalse();
        assertThat(vault.vault(NS).read("slack", "alice").orElseThrow().secrets().revealAccessToken()).isEqualTo("second-grant");
    }

    @Test
    void everyWriteMovesTheRevisionForward() {
        CredentialVault writer = vault.vault(NS);
        long previous = 0;
        for (int i = 0; i < 5; i++) {
            assertThat(writer.save(credential(), new Secrets("token-" + i, null, Map.of()), previous)).isTrue();
            long rev = writer.read("slack", "alice").orElseThrow().rev();
            assertThat(rev).isGreaterThan(previous);
            previous = rev;
        }
    }

    /** A record whose keys' write lease ended (by Redis' clock) is refused and nothing is written; within the lease it lands. */
    @Test
    void theStoreRefusesARecordSealedWithKeysPastTheirWriteLease() {
        CredentialStore store = vault.vault(NS).store();
        String key = store.keys().credential("slack", "alice");
        long now = vault.serverMillis();

        CredentialStore.Write late = new CredentialStore.Write(key, 0, new byte[] {1, 2, 3}, null, false, now - 1);
        assertThat(store.compareAndSet(late)).isEqualTo(CredentialStore.Outcome.STALE_KEYS);
        assertThat(store.compareAndSetAll(List.of(late, late))).containsExactly(CredentialStore.Outcome.STALE_KEYS,
                CredentialStore.Outcome.STALE_KEYS);
        try (Jedis jedis = vault.jedis()) {
            assertThat(jedis.exists(key)).isFalse();
        }

        CredentialStore.Write inTime = new CredentialStore.Write(key, 0, new byte[] {1, 2, 3}, null, false, now + 60_000);
        assertThat(store.compareAndSet(inTime)).isEqualTo(CredentialStore.Outcome.APPLIED);
        assertThat(store.compareAndSet(inTime)).as("rev 0 means: must not exist").isEqualTo(CredentialStore.Outcome.CONFLICT);
    }

    private static Credential credential() {
        Instant now = Instant.now();
        return new Credential("slack", "alice", Credential.ACTIVE, List.of("chat:write"), null, null, true, now, now, Map.of());
    }
}
