package dev.integ.oauth;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.events.EventLog;
import dev.integ.events.SecurityEvent;
import dev.integ.http.Sleeper;
import dev.integ.store.RedisErrors;
import dev.integ.store.RedisKeys;
import dev.integ.vault.Credential;
import dev.integ.vault.CredentialVault;
import dev.integ.vault.Secrets;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Hands out valid access tokens and refreshes them, once, however many processes ask at the same time.
 * <p>
 * A refresh sets up the provider's client first (discovery, client credentials: round trips of their
 * own, never made under the lock), then takes the credential's {@link RefreshLock}, reads the record
 * again (another process may have refreshed it meanwhile), makes the lock outlast the redemption's
 * worst case, redeems the refresh token, and stores the result by compare-and-set <b>before</b> anyone
 * sees the new access token: with rotating refresh tokens (Atlassian, Slack) the old one is spent the
 * moment the provider answers, so the new one must be safe first, and no second process may redeem it.
 */
public final class AccessTokens {
    /**
     * A usable credential.
     *
     * @param refreshed this call refreshed it (false when it was fresh, or another process did)
     * @param warning   why the token is not as fresh as asked (a refresh failed for now), or null
     */
    public record Fresh(Credential credential, Secrets secrets, boolean refreshed, String warning) {
        public Fresh(Credential credential, Secrets secrets, boolean refreshed) {
            this(credential, secrets, refreshed, null);
        }
    }

    private final CredentialVault vault;
    private final BiFunction<String, String, ProviderClient> clients;
    private final LockFactory locks;
    private final EventLog events;
    private final Clock clock;
    private final Sleeper sleeper;

    /**
     * How long a refresh keeps trying to store what the provider issued when the store fails (a
     * failover, a restart): longer than a Sentinel or Cluster failover takes, and well inside the refresh
     * lock, which is held through the redemption's worst case plus a lease (and renewed meanwhile).
     */
    static final Duration STORE_RETRY = Duration.ofSeconds(20);
    private static final Duration FIRST_STORE_PAUSE = Duration.ofMillis(100);
    private static final Duration LONGEST_STORE_PAUSE = Duration.ofSeconds(2);

    /** Takes one credential's refresh lock (the CLI uses {@link RefreshLock} on the store). */
    @FunctionalInterface
    public interface LockFactory {
        HeldLock acquire(String provider, String user);
    }

    /**
     * A held refresh lock and its fencing token, which numbers the holders; the events of a refresh carry
     * it, so responders can order overlapping refreshes. What fences the write itself is the record's
     * revision: a refresher writes only over the revision it read under the lock, and every later
     * holder's write moves it.
     */
    public interface HeldLock extends AutoCloseable {
        long fence();

        /**
         * Makes sure the lock stays held through a redemption that takes at most {@code redemption},
         * even if no renewal lands meanwhile: false if it was lost (lapsed or taken over), and then
         * nothing may be redeemed.
         */
        boolean holdThrough(Duration redemption);

        @Override
        void close();

        /** A lock held elsewhere (tests): this fencing token, nothing to release. */
        static HeldLock of(long fence) {
            return new HeldLock() {
                @Override
                public long fence() {
                    return fence;
                }

                @Override
                public boolean holdThrough(Duration redemption) {
                    return true;
                }

                @Override
                public void close() {
                }
            };
        }
    }

    /** @param clients the client for a provider and user (read lazily: a fresh token needs no provider settings) */
    public AccessTokens(CredentialVault vault, BiFunction<String, String, ProviderClient> clients, LockFactory locks,
                        EventLog events, Clock clock) {
        this(vault, clients, locks, events, clock, Sleeper.REAL);
    }

    /** @param sleeper how a refresh waits before it tries again to store its result (tests act in the pause) */
    public AccessTokens(CredentialVault vault, BiFunction<String, String, ProviderClient> clients, LockFactory locks,
                        EventLog events, Clock clock, Sleeper sleeper) {
        this.vault = vault;
        this.clients = clients;
        this.locks = locks;
        this.events = events;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    public static LockFactory redisLocks(UnifiedJedis redis, RedisKeys keys, Duration wait) {
        return (provider, user) -> RefreshLock.acquire(redis, keys, provider, user, wait);
    }

    /** An access token valid for at least {@code margin}, refreshed first if need be; recorded as token.read. */
    public Fresh token(String provider, String user, Duration margin) {
        Fresh fresh;
        try {
            fresh = ensure(provider, user, margin, false);
        } catch (IntegException e) {
            fresh = stillValid(provider, user, e).orElseThrow(() -> e);
        }
        events.record(SecurityEvent.success("token.read", provider, user, Map.of("refreshed", Boolean.toString(fresh.refreshed()))));
        return fresh;
    }

    /**
     * During a provider outage (or integ's own rate limit) a token that expires soon but has not expired
     * yet is still better than none: scripts keep working until it really ends, and are told why.
     */
    private Optional<Fresh> stillValid(String provider, String user, IntegException failure) {
        if (failure.exitCode() != ExitCode.RETRY_LATER) {
            return Optional.empty();
        }
        CredentialVault.Opened current = read(provider, user);
        Credential c = current.credential();
        if (!Credential.ACTIVE.equals(c.status()) || c.expiresAt() == null || !c.expiresAt().isAfter(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(new Fresh(c, current.secrets(), false, "could not refresh (" + failure.getMessage()
                + "); this token is still valid until " + c.expiresAt()));
    }

    /** Refreshes now, whatever the expiry (unless another process refreshed it while this one waited). */
    public Fresh refresh(String provider, String user) {
        return ensure(provider, user, null, true);
    }

    /** Refreshes when the access token expires within {@code margin}: for `refresh --all`. */
    public Fresh refreshIfExpiring(String provider, String user, Duration margin) {
        return ensure(provider, user, margin, false);
    }

    private Fresh ensure(String provider, String user, Duration margin, boolean force) {
        CredentialVault.Opened first = read(provider, user);
        if (!force && isFresh(first.credential(), margin)) {
            return new Fresh(first.credential(), first.secrets(), false);
        }
        requireRefreshable(first);
        // discovery and client set-up are provider round trips of their own: not under the lock, which
        // must cover the redemption alone (and could lapse behind a slow discovery)
        ProviderClient client = clients.apply(first.credential().provider(), first.credential().user());
        try (HeldLock lock = locks.acquire(provider, user)) {
            CredentialVault.Opened current = read(provider, user);
            boolean changedMeanwhile = current.rev() != first.rev();
            // another process refreshed while this one waited: its token is the one to use, even if the
            // provider's lifetime is shorter than our margin (refreshing again would only spend a grant)
            if (changedMeanwhile && isFresh(current.credential(), Duration.ZERO)) {
                return new Fresh(current.credential(), current.secrets(), false);
            }
            requireRefreshable(current);
            return redeem(current, client, lock);
        }
    }

    private Fresh redeem(CredentialVault.Opened current, ProviderClient client, HeldLock lock) {
        Credential c = current.credential();
        long fence = lock.fence();
        // a lock that lapsed may be another process's now, redeeming this same refresh token: a second
        // redemption of a rotating token kills the grant, so without the lock nothing is sent
        if (!lock.holdThrough(client.longestCall())) {
            throw IntegException.retryLater("lost the refresh lock of the " + c.provider() + " credential of " + c.user(),
                    "it lapsed or another process took it over before the refresh token was redeemed; nothing was sent to " + c.provider(),
                    "run the command again", null);
        }
        // recorded before the provider is asked (fail closed); the outcome is recorded after, quietly:
        // by then the old refresh token may be spent, and storing the new one must not wait on the log
        events.record(SecurityEvent.success("refresh.start", c.provider(), c.user(), Map.of("fence", Long.toString(fence))));
        TokenOutcome outcome = client.refresh(c.user(), current.secrets().revealRefreshToken());
        if (outcome instanceof TokenRefusal refusal) {
            return refused(current, refusal, fence);
        }
        IssuedTokens issued = (IssuedTokens) outcome;
        Optional<String> otherAccount = Optional.ofNullable(issued.secrets().revealOther().get("id_token"))
                .flatMap(jwt -> IdToken.refreshProblem(jwt, client.spec().issuer(), client.client().clientId(), c.account().get("subject")));
        if (otherAccount.isPresent()) {
            // never file another account's tokens under this user; the old refresh token may be spent, so a human must connect again
            markNeedsReauth(current, Map.of("reason", "id_token", "status", Credential.NEEDS_REAUTH));
            throw needsReauth(c.provider(), c.user(), "the id_token that came with the refresh is not this credential's: " + otherAccount.get());
        }
        Instant now = clock.instant();
        boolean rotated = issued.secrets().hasRefreshToken();
        Map<String, String> other = new LinkedHashMap<>(current.secrets().revealOther());
        other.putAll(issued.secrets().revealOther());
        Secrets secrets = new Secrets(issued.secrets().revealAccessToken(),
                rotated ? issued.secrets().revealRefreshToken() : current.secrets().revealRefreshToken(), other);
        Map<String, String> account = new LinkedHashMap<>(c.account());
        account.putAll(issued.account());
        Credential next = new Credential(c.provider(), c.user(), Credential.ACTIVE,
                issued.grantedScopes() != null ? issued.grantedScopes() : c.scopes(), issued.expiresAt(),
                client.spec().refreshTokens().afterRefresh(issued.refreshExpiresAt(), rotated, c.createdAt(), c.updatedAt(), c.refreshExpiresAt(), now),
                secrets.hasRefreshToken(), c.createdAt(), now, account);
        if (!storeRefreshed(current, next, secrets)) {
            // a new grant (a re-connect, an import --replace) or a forget got there first: it is newer than ours
            quietly(SecurityEvent.failure("refresh.failure", c.provider(), c.user(), Map.of("reason", "superseded")));
            CredentialVault.Opened newer = read(c.provider(), c.user());
            return new Fresh(newer.credential(), newer.secrets(), false);
        }
        quietly(SecurityEvent.success("refresh.success", c.provider(), c.user(),
                Map.of("rotated", Boolean.toString(rotated), "fence", Long.toString(fence))));
        return new Fresh(next, secrets, true);
    }

    /**
     * Stores a refresh's result over the record it redeemed. Writers that take no refresh lock may move
     * the record's rev meanwhile: a rewrap (the same grant, re-encrypted) or a new grant (a re-connect,
     * an import --replace). Over the same grant (the stored refresh token is still the one just
     * redeemed) the result is written again on the newer rev: giving up there would keep a refresh token
     * the provider has just spent and lose its successor. A new grant, or a forget, wins.
     * <p>
     * The provider has spent the old refresh token by now, so a store that fails for a passing reason (a
     * failover: the connection lost, a write no replica confirmed, the Cluster re-electing) is tried again,
     * with growing pauses, for up to {@link #STORE_RETRY}, each time from a fresh read: a write that
     * reached the primary but was not confirmed shows as our own tokens there, and is written again to
     * be confirmed; one that a failover lost shows as the redeemed grant, and is written again over it.
     *
     * @return false when a new grant or a forget got there first
     */
    private boolean storeRefreshed(CredentialVault.Opened redeemed, Credential next, Secrets secrets) {
        long deadline = System.nanoTime() + STORE_RETRY.toNanos();
        Duration pause = FIRST_STORE_PAUSE;
        Optional<CredentialVault.Opened> base = Optional.of(redeemed);
        int conflicts = 0;
        while (true) {
            try {
                if (base.isEmpty()) {
                    base = vault.read(next.provider(), next.user());
                    if (base.isEmpty() || !(sameGrant(base.get(), redeemed) || holds(base.get(), secrets))) {
                        return false; // forgotten, or a new grant, while the store was away
                    }
                }
                if (vault.save(next, secrets, base.get().rev())) {
                    return true;
                }
                base = vault.read(next.provider(), next.user());
                if (base.isEmpty() || !(sameGrant(base.get(), redeemed) || holds(base.get(), secrets)) || ++conflicts >= 5) {
                    break;
                }
            } catch (RuntimeException e) {
                if (!passing(e) || System.nanoTime() + pause.toNanos() > deadline) {
                    throw notStored(next, e);
                }
                pauseBeforeRetry(pause, next, e);
                pause = pause.multipliedBy(2).compareTo(LONGEST_STORE_PAUSE) > 0 ? LONGEST_STORE_PAUSE : pause.multipliedBy(2);
                base = Optional.empty();
            }
        }
        if (base.isEmpty() || !(sameGrant(base.get(), redeemed) || holds(base.get(), secrets))) {
            return false;
        }
        throw IntegException.retryLater("the " + next.provider() + " credential of " + next.user() + " kept changing while its refresh was stored",
                "the provider issued new tokens, which were not stored", "connect the account again if the next refresh is refused", null);
    }

    /** A store failure that passes: Redis away or in a passing state, or a write no replica confirmed in time. */
    private static boolean passing(RuntimeException e) {
        if (e instanceof IntegException integ) {
            return integ.exitCode() == ExitCode.RETRY_LATER;
        }
        return e instanceof JedisException jedis && RedisErrors.passing(jedis);
    }

    private void pauseBeforeRetry(Duration pause, Credential next, RuntimeException cause) {
        try {
            sleeper.sleep(pause);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw notStored(next, cause);
        }
    }

    private static IntegException notStored(Credential next, RuntimeException cause) {
        String why = cause instanceof IntegException integ ? integ.getMessage()
                : cause instanceof JedisConnectionException ? "Redis is unreachable: " + RedisErrors.connectionProblem(cause)
                : RedisErrors.plain(cause.getMessage());
        return IntegException.retryLater("the new tokens of the " + next.provider() + " credential of " + next.user() + " could not be stored",
                why, "the provider has already spent the old refresh token: if the next refresh is refused, connect the account again", cause);
    }

    /** The record already holds the tokens being stored: an earlier attempt's write, not yet confirmed. */
    private static boolean holds(CredentialVault.Opened stored, Secrets secrets) {
        String s = stored.secrets().revealRefreshToken();
        String ours = secrets.revealRefreshToken();
        return s != null && ours != null && MessageDigest.isEqual(s.getBytes(StandardCharsets.UTF_8), ours.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean sameGrant(CredentialVault.Opened a, CredentialVault.Opened b) {
        String ra = a.secrets().revealRefreshToken();
        String rb = b.secrets().revealRefreshToken();
        return ra != null && rb != null && MessageDigest.isEqual(ra.getBytes(StandardCharsets.UTF_8), rb.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A refused refresh. Under the lock, a concurrent change cannot have spent our refresh token, so a
     * dead-grant answer here is genuine: the credential is kept, marked needs_reauth, for a human to connect again.
     */
    private Fresh refused(CredentialVault.Opened current, TokenRefusal refusal, long fence) {
        Credential c = current.credential();
        if (!refusal.grantIsDead()) {
            quietly(SecurityEvent.failure("refresh.failure", c.provider(), c.user(), Map.of("error", refusal.error())));
            throw IntegException.humanAction(c.provider() + " refused to refresh the credential of " + c.user(), refusal.explain(),
                    "check the client settings ('integ providers show " + c.provider() + "')");
        }
        CredentialVault.Opened latest = read(c.provider(), c.user());
        if (latest.rev() != current.rev() && Credential.ACTIVE.equals(latest.credential().status())) {
            // a lost race after all (a re-connect stored a new grant meanwhile): the winner's token is the one to use
            return new Fresh(latest.credential(), latest.secrets(), false);
        }
        markNeedsReauth(current, Map.of("error", refusal.error(), "status", Credential.NEEDS_REAUTH));
        throw needsReauth(c.provider(), c.user(), "the provider refused its refresh token: " + refusal.explain());
    }

    /**
     * Marks a credential whose access token the provider refused even after a refresh (verify's verdict):
     * kept, secrets untouched, for a human to connect again. False when it was gone or already marked.
     */
    public boolean markNeedsReauth(String provider, String user) {
        Optional<CredentialVault.Opened> current = vault.read(provider, user);
        if (current.isEmpty() || Credential.NEEDS_REAUTH.equals(current.get().credential().status())) {
            return false;
        }
        Credential c = current.get().credential();
        Credential dead = new Credential(c.provider(), c.user(), Credential.NEEDS_REAUTH, c.scopes(), c.expiresAt(), c.refreshExpiresAt(),
                c.hasRefreshToken(), c.createdAt(), clock.instant(), c.account());
        return vault.save(dead, current.get().secrets(), current.get().rev());
    }

    /** Keeps the record (secrets untouched) for a human to see, marked needs_reauth, and records why. */
    private void markNeedsReauth(CredentialVault.Opened current, Map<String, String> details) {
        Credential c = current.credential();
        Credential dead = new Credential(c.provider(), c.user(), Credential.NEEDS_REAUTH, c.scopes(), c.expiresAt(), c.refreshExpiresAt(),
                c.hasRefreshToken(), c.createdAt(), clock.instant(), c.account());
        vault.save(dead, current.secrets(), current.rev());
        quietly(SecurityEvent.failure("refresh.failure", c.provider(), c.user(), details));
    }

    private CredentialVault.Opened read(String provider, String user) {
        return vault.read(provider, user).orElseThrow(() -> CredentialVault.notStored(provider, user));
    }

    private void requireRefreshable(CredentialVault.Opened opened) {
        Credential c = opened.credential();
        if (Credential.NEEDS_REAUTH.equals(c.status())) {
            throw needsReauth(c.provider(), c.user(), "an earlier refresh was refused");
        }
        if (!opened.secrets().hasRefreshToken()) {
            if (c.expiresAt() != null && !c.expiresAt().isAfter(clock.instant())) {
                throw needsReauth(c.provider(), c.user(), "its access token expired and there is no refresh token");
            }
            throw IntegException.humanAction("the " + c.provider() + " credential of " + c.user() + " cannot be refreshed",
                    "the provider issued no refresh token" + (c.expiresAt() == null ? " (its access token does not expire)" : ""),
                    c.expiresAt() == null ? null : "connect again before " + c.expiresAt() + ": integ connect " + c.provider() + " --user " + c.user());
        }
        if (c.refreshExpiresAt() != null && !c.refreshExpiresAt().isAfter(clock.instant())) {
            throw needsReauth(c.provider(), c.user(), "its refresh token expired at " + c.refreshExpiresAt());
        }
    }

    private static IntegException needsReauth(String provider, String user, String why) {
        return IntegException.humanAction("the " + provider + " credential of " + user + " needs to be authorized again", why,
                "run: integ connect " + provider + " --user " + user);
    }

    private boolean isFresh(Credential c, Duration margin) {
        if (!Credential.ACTIVE.equals(c.status())) {
            return false;
        }
        return c.expiresAt() == null || c.expiresAt().isAfter(clock.instant().plus(margin == null ? Duration.ZERO : margin));
    }

    private void quietly(SecurityEvent event) {
        events.recordQuietly(event, notRecorded -> { });
    }
}
