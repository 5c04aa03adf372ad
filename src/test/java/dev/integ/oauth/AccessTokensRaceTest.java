package dev.integ.oauth;

import dev.integ.config.ConfigFile;
import dev.integ.config.Environment;
import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.http.OutboundHttp;
import dev.integ.http.OutboundPolicy;
import dev.integ.providers.ClientCredentials;
import dev.integ.providers.ProviderCatalog;
import dev.integ.providers.ProviderSpec;
import dev.integ.ratelimit.Decision;
import dev.integ.store.RedisKeys;
import dev.integ.testing.VaultFixture;
import dev.integ.testing.fakes.FakeOidc;
import dev.integ.vault.Credential;
import dev.integ.vault.CredentialVault;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The refresh paths that need an exact interleaving, driven from inside the service's seams. */
class AccessTokensRaceTest {
    @RegisterExtension
    static final VaultFixture fixture = VaultFixture.start();
    private static FakeOidc idp;
    private CredentialVault vault;
    private ProviderSpec configured;
    private ProviderClient client;
    private final RedisKeys keys = new RedisKeys(VaultFixture.NS);

    @BeforeAll
    static void start() {
        idp = new FakeOidc("integ-cli", "s3cret-client").clientAuth("client_secret_post").rotateRefreshTokens(true);
    }

    @AfterAll
    static void stop() {
        idp.close();
    }

    @BeforeEach
    void fresh() {
        fixture.reset();
        vault = fixture.vault(VaultFixture.NS);
        configured = ProviderCatalog.from(Map.of("acme", new com.fasterxml.jackson.databind.ObjectMapper()
                .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.KEBAB_CASE)
                .convertValue(Map.of("issuer", idp.issuer(), "client-id", "integ-cli", "client-auth", "client_secret_post",
                        "scopes", List.of("openid", "offline_access")), ConfigFile.Provider.class))).resolve("acme");
        client = discover(configured);
    }

    /** What ProviderClients does for an issuer-only provider: discovery against the fake, then the client credentials. */
    private static ProviderClient discover(ProviderSpec spec) {
        OutboundHttp http = new OutboundHttp((p, u) -> new Decision(true, Duration.ZERO, null, 1, 1), OutboundPolicy.DEFAULTS);
        Discovery.Discovered discovered = new Discovery(http).complete(spec, "alice");
        return new ProviderClient(discovered.spec(), ClientCredentials.resolve(spec, new Environment(Map.of("ACME_CLIENT_SECRET", "s3cret-client"))),
                http, Clock.systemUTC());
    }

    /** Stores a grant issued by the fake (a refresh of a bootstrap grant), expiring now. */
    private void storeExpiring(String user) {
        IssuedTokens issued = (IssuedTokens) client.refresh(user, bootstrapRefreshToken());
        Instant now = Instant.now();
        vault.save(new Credential("acme", user, Credential.ACTIVE, List.of("openid"), now.plusSeconds(30), null, true, now, now, Map.of()),
                issued.secrets(), 0);
    }

    /** A lock held elsewhere (fencing token 1) that runs {@code interleaving} just before the redemption. */
    private static AccessTokens.HeldLock lockThatFirst(Runnable interleaving) {
        return new AccessTokens.HeldLock() {
            @Override
            public long fence() {
                return 1;
            }

            @Override
            public boolean holdThrough(Duration redemption) {
                interleaving.run();
                return true;
            }

            @Override
            public void close() {
            }
        };
    }

    private String bootstrapRefreshToken() {
        return idp.seedRefreshToken(List.of("openid", "offline_access"));
    }

    @Test
    void aDeadGrantAfterAConcurrentReconnectIsALostRaceAndTheWinnersTokenIsUsed() {
        storeExpiring("alice");
        String[] winner = new String[1];
        // called between our read under the lock and our refresh
        AccessTokens.HeldLock interleaved = lockThatFirst(() -> {
            // a re-connect (which takes no lock) stores a new grant and the old one dies at the provider
            CredentialVault.Opened old = vault.read("acme", "alice").orElseThrow();
            IssuedTokens reconnect = (IssuedTokens) client.refresh("alice", bootstrapRefreshToken());
            winner[0] = reconnect.secrets().revealAccessToken();
            vault.save(new Credential("acme", "alice", Credential.ACTIVE, List.of("openid"), Instant.now().plusSeconds(3600), null, true,
                    Instant.now(), Instant.now(), Map.of()), reconnect.secrets(), old.rev());
            client.refresh("alice", old.secrets().revealRefreshToken()); // spends the old refresh token
        });
        AccessTokens tokens = new AccessTokens(vault, (provider, user) -> client, (p, u) -> interleaved,
                fixture.events(VaultFixture.NS), Clock.systemUTC());
        AccessTokens.Fresh fresh = tokens.token("acme", "alice", Duration.ofMinutes(5));
        assertThat(fresh.secrets().revealAccessToken()).isEqualTo(winner[0]);
        assertThat(fresh.refreshed()).isFalse();
        assertThat(vault.read("acme", "alice").orElseThrow().credential().status()).isEqualTo(Credential.ACTIVE);
    }

    /**
     * Found by TortureIT: a rewrap (which takes no refresh lock) moves the record's rev while a refresh is
     * redeeming it. The same grant is still stored, so the refresh's result must be written over the
     * newer rev; giving up kept the refresh token the provider had just spent and lost its successor.
     */
    @Test
    void aRewrapDuringTheRedemptionDoesNotLoseTheNewRefreshToken() {
        storeExpiring("frank");
        CredentialVault.Opened before = vault.read("acme", "frank").orElseThrow();
        // called after the read under the lock, before the redemption: the rewrap lands now
        AccessTokens.HeldLock interleaved = lockThatFirst(() -> {
            CredentialVault.Opened current = vault.read("acme", "frank").orElseThrow();
            assertThat(vault.save(current.credential(), current.secrets(), current.rev())).as("the rewrap's write").isTrue();
        });
        AccessTokens tokens = new AccessTokens(vault, (provider, user) -> client, (p, u) -> interleaved,
                fixture.events(VaultFixture.NS), Clock.systemUTC());

        AccessTokens.Fresh fresh = tokens.refresh("acme", "frank");

        assertThat(fresh.refreshed()).isTrue();
        CredentialVault.Opened after = vault.read("acme", "frank").orElseThrow();
        assertThat(after.secrets().revealRefreshToken()).as("the successor of the spent refresh token is stored")
                .isNotEqualTo(before.secrets().revealRefreshToken())
                .isEqualTo(fresh.secrets().revealRefreshToken());
        assertThat(after.secrets().revealAccessToken()).isEqualTo(fresh.secrets().revealAccessToken());
    }

    @Test
    void aGenuineDeadGrantIsKeptAsNeedsReauth() {
        storeExpiring("bob");
        CredentialVault.Opened stored = vault.read("acme", "bob").orElseThrow();
        client.refresh("bob", stored.secrets().revealRefreshToken()); // someone outside integ spent it
        AccessTokens tokens = new AccessTokens(vault, (p, u) -> client, (p, u) -> AccessTokens.HeldLock.of(1), fixture.events(VaultFixture.NS), Clock.systemUTC());
        assertThatThrownBy(() -> tokens.token("acme", "bob", Duration.ofMinutes(5)))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.HUMAN_ACTION));
        CredentialVault.Opened after = vault.read("acme", "bob").orElseThrow();
        assertThat(after.credential().status()).isEqualTo(Credential.NEEDS_REAUTH);
        assertThat(after.secrets()).isEqualTo(stored.secrets());
    }

    @Test
    void discoveryAndClientSetUpRunBeforeTheRefreshLockIsTaken() {
        storeExpiring("carol");
        String lock = keys.refreshLock("acme", "carol");
        List<Boolean> lockedDuringSetUp = new ArrayList<>();
        AccessTokens tokens = new AccessTokens(vault, (provider, user) -> {
            lockedDuringSetUp.add(fixture.client().exists(lock));
            return discover(configured);
        }, AccessTokens.redisLocks(fixture.client(), keys, Duration.ofSeconds(5)), fixture.events(VaultFixture.NS), Clock.systemUTC());
        assertThat(tokens.token("acme", "carol", Duration.ofMinutes(5)).refreshed()).isTrue();
        assertThat(lockedDuringSetUp).containsExactly(false);
        assertThat(fixture.client().exists(lock)).isFalse();
    }

    /** The lock lapsed (a stall longer than the lease) and another process took it before the redemption. */
    @Test
    void aRedemptionIsRefusedWhenTheLockWasLostAndNothingReachesTheProvider() {
        storeExpiring("dave");
        long rev = vault.read("acme", "dave").orElseThrow().rev();
        RefreshLock[] successor = new RefreshLock[1];
        AccessTokens tokens = new AccessTokens(vault, (p, u) -> client, (p, u) -> {
            RefreshLock lost = RefreshLock.acquire(fixture.client(), keys, p, u, Duration.ZERO);
            fixture.client().del(keys.refreshLock(p, u));
            successor[0] = RefreshLock.acquire(fixture.client(), keys, p, u, Duration.ZERO);
            return lost;
        }, fixture.events(VaultFixture.NS), Clock.systemUTC());
        int tokenRequests = idp.tokenRequests().size();

        assertThatThrownBy(() -> tokens.refresh("acme", "dave"))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.RETRY_LATER))
                .hasMessageStartingWith("lost the refresh lock of the acme credential of dave");
        assertThat(idp.tokenRequests()).as("nothing redeemed").hasSize(tokenRequests);
        assertThat(vault.read("acme", "dave").orElseThrow().rev()).isEqualTo(rev);
        assertThat(fixture.client().get(keys.refreshLock("acme", "dave"))).as("the new holder's lock stays")
                .isEqualTo(Long.toString(successor[0].fence()));
        successor[0].close();
    }

    @Test
    void beforeTheRedemptionTheLockIsMadeToOutlastItsWorstCase() {
        storeExpiring("erin");
        String lock = keys.refreshLock("acme", "erin");
        long[] ttlBeforeRedemption = {0};
        AccessTokens tokens = new AccessTokens(vault, (p, u) -> client, (p, u) -> {
            RefreshLock real = RefreshLock.acquire(fixture.client(), keys, p, u, Duration.ZERO);
            return new AccessTokens.HeldLock() {
                @Override
                public long fence() {
                    return real.fence();
                }

                @Override
                public boolean holdThrough(Duration redemption) {
                    boolean held = real.holdThrough(redemption);
                    ttlBeforeRedemption[0] = fixture.client().pttl(lock);
                    return held;
                }

                @Override
                public void close() {
                    real.close();
                }
            };
        }, fixture.events(VaultFixture.NS), Clock.systemUTC());
        assertThat(tokens.refresh("acme", "erin").refreshed()).isTrue();
        assertThat(ttlBeforeRedemption[0]).isGreaterThan(OutboundPolicy.DEFAULTS.longestCall().toMillis());
        assertThat(fixture.client().exists(lock)).isFalse();
    }

    @Test
    void aDiscoveryDocumentNamingAnotherIssuerIsRefused() {
        idp.advertiseIssuer("https://evil.example.com");
        try {
            ProviderSpec spec = ProviderSpec.builder("acme")
                    .title("acme")
                    .issuer(idp.issuer())
                    .client(new ProviderSpec.ClientSettings("integ-cli", "X", null, dev.integ.providers.ClientAuth.NONE))
                    .scopeParameter("scope")
                    .scopeSeparator(" ")
                    .pkce(true)
                    .tokenEncoding(ProviderSpec.TokenEncoding.FORM)
                    .responseFormat(ProviderSpec.ResponseFormat.OAUTH)
                    .revocation(ProviderSpec.Revocation.RFC7009)
                    .redirect(new ProviderSpec.Redirect("127.0.0.1", 0, "/cb/acme"))
                    .build();
            OutboundHttp http = new OutboundHttp((p, u) -> new Decision(true, Duration.ZERO, null, 1, 1), OutboundPolicy.DEFAULTS);
            assertThatThrownBy(() -> new Discovery(http).complete(spec, "alice")).hasMessageContaining("names another issuer")
                    .hasMessageContaining("https://evil.example.com");
        } finally {
            idp.advertiseIssuer(null);
        }
    }
}
