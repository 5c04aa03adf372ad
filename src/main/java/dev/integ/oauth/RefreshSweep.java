package dev.integ.oauth;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.providers.RefreshTokenForesight;
import dev.integ.vault.Credential;
import dev.integ.vault.CredentialVault;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * `refresh --all`, the cron job: every active credential whose access token expires within a window is
 * refreshed, a bounded number at a time. One failure does not stop the others; each is reported. Nothing
 * is passed over in silence: a record that does not verify is handed to the caller as the scan finds it
 * (never refreshed, changed or deleted) and makes the exit code 5, and an expiring credential without a
 * refresh token is reported as skipped.
 */
public final class RefreshSweep {
    /**
     * @param outcome "refreshed", "fresh" (another process got there first), "failed", "skipped" (no
     *                refresh token: nothing to redeem), and with --keep-alive "kept_alive" (refreshed because its
     *                refresh token was about to end of inactivity) or "reconnect" (its refresh token ends and no
     *                refresh moves that: only a new sign-in does)
     * @param error   null unless failed
     * @param expiresAt when the access token expires (for a skipped credential: when it stops working)
     * @param refreshEndsAt when the refresh token ends (kept_alive: after the refresh; reconnect: the date to reconnect by)
     */
    public record Item(String provider, String user, String outcome, IntegException error, Instant expiresAt, Instant refreshEndsAt) {
        Item(String provider, String user, String outcome, IntegException error, Instant expiresAt) {
            this(provider, user, outcome, error, expiresAt, null);
        }
    }

    /** @param damaged how many records did not verify (each was handed to the caller as it was found) */
    public record Summary(List<Item> items, long damaged) {
        public long count(String outcome) {
            return items.stream().filter(i -> i.outcome().equals(outcome)).count();
        }

        /**
         * 0 when all went well; else the most actionable code: a human must act (a damaged record, a
         * refused grant), over failure, over retry later. Skipped credentials do not count: nothing failed,
         * and no run of this job can change them.
         */
        public int exitCode() {
            List<ExitCode> codes = new ArrayList<>(items.stream().filter(i -> i.error() != null).map(i -> i.error().exitCode()).toList());
            if (damaged > 0) {
                codes.add(ExitCode.HUMAN_ACTION);
            }
            if (codes.isEmpty()) {
                return 0;
            }
            for (ExitCode preferred : List.of(ExitCode.HUMAN_ACTION, ExitCode.FAILURE, ExitCode.RETRY_LATER)) {
                if (codes.contains(preferred)) {
                    return preferred.code();
                }
            }
            return codes.get(0).code();
        }
    }

    private final CredentialVault vault;
    private final AccessTokens tokens;

    public RefreshSweep(CredentialVault vault, AccessTokens tokens) {
        this.vault = vault;
        this.tokens = tokens;
    }

    /** As {@link #run(String, Duration, int, Consumer)}; damaged records are only counted. */
    public Summary run(String provider, Duration expiringWithin, int concurrency) {
        return run(provider, expiringWithin, concurrency, damaged -> { });
    }

    /**
     * @param provider only this provider's credentials, or null for all
     * @param damaged  told of each record that does not verify, as the scan finds it (on this thread), so
     *                 the caller can name it without anything collecting them
     */
    public Summary run(String provider, Duration expiringWithin, int concurrency, Consumer<CredentialVault.Damaged> damaged) {
        return run(provider, expiringWithin, concurrency, damaged, null);
    }

    /**
     * @param keepAlive with `--keep-alive`: also every credential whose refresh token ends within
     *                  {@link RefreshTokenForesight#WARN_WITHIN}: refreshed when that keeps it alive (an inactivity
     *                  limit), otherwise reported as "reconnect" with the date; null: only expiring access tokens
     */
    public Summary run(String provider, Duration expiringWithin, int concurrency, Consumer<CredentialVault.Damaged> damaged,
                       RefreshTokenForesight keepAlive) {
        List<Credential> due = new ArrayList<>();
        List<Credential> keptAlive = new ArrayList<>();
        List<Item> skipped = new ArrayList<>();
        Instant now = vault.clock().instant();
        Instant accessDue = now.plus(expiringWithin);
        // with --keep-alive every active credential is looked at; the access-token window is applied here
        CredentialVault.ListSummary scanned = vault.list(new CredentialVault.Filter(provider, null, Credential.ACTIVE,
                        keepAlive == null ? expiringWithin : null),
                c -> {
                    Optional<RefreshTokenForesight.Dying> dying = keepAlive == null ? Optional.empty()
                            : keepAlive.assess(c, now, RefreshTokenForesight.WARN_WITHIN);
                    boolean accessExpiring = keepAlive == null || c.expiresAt() != null && c.expiresAt().isBefore(accessDue);
                    if (dying.isPresent() && !dying.get().keepsAlive()) {
                        skipped.add(new Item(c.provider(), c.user(), "reconnect", null, c.expiresAt(), dying.get().ends()));
                        if (accessExpiring && dying.get().ends().isAfter(now)) {
                            due.add(c); // its refresh token still works until then: the access token is refreshed as usual
                        }
                    } else if (dying.isPresent()) {
                        keptAlive.add(c);
                    } else if (!accessExpiring) {
                        return;
                    } else if (c.hasRefreshToken()) {
                        due.add(c);
                    } else {
                        skipped.add(new Item(c.provider(), c.user(), "skipped", null, c.expiresAt()));
                    }
                }, damaged);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(concurrency, Math.max(1, due.size()))), r -> {
            Thread t = new Thread(r, "integ-refresh");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Item>> pending = new ArrayList<>();
            for (Credential c : due) {
                pending.add(pool.submit(() -> refreshOne(c, expiringWithin)));
            }
            for (Credential c : keptAlive) {
                pending.add(pool.submit(() -> keepAlive(c, keepAlive)));
            }
            List<Item> items = new ArrayList<>();
            for (Future<Item> f : pending) {
                items.add(f.get());
            }
            items.addAll(skipped);
            return new Summary(items, scanned.damaged());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw IntegException.retryLater("interrupted", "during refresh --all", null, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r; // a store failure reaches the one place that explains it (ErrorReporter)
            }
            throw IntegException.failure("refresh --all failed", e.getCause().getClass().getSimpleName(), null, e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Refreshes now, whatever the access token's expiry; if its refresh token still ends soon (the grant's end), a reconnect is due. */
    private Item keepAlive(Credential c, RefreshTokenForesight foresight) {
        try {
            Credential after = tokens.refresh(c.provider(), c.user()).credential();
            Optional<RefreshTokenForesight.Dying> still = foresight.assess(after, vault.clock().instant(), RefreshTokenForesight.WARN_WITHIN);
            return new Item(c.provider(), c.user(), still.isPresent() ? "reconnect" : "kept_alive", null, after.expiresAt(),
                    after.refreshExpiresAt());
        } catch (IntegException e) {
            return new Item(c.provider(), c.user(), "failed", e, c.expiresAt());
        }
    }

    private Item refreshOne(Credential c, Duration expiringWithin) {
        try {
            AccessTokens.Fresh fresh = tokens.refreshIfExpiring(c.provider(), c.user(), expiringWithin);
            return new Item(c.provider(), c.user(), fresh.refreshed() ? "refreshed" : "fresh", null, fresh.credential().expiresAt());
        } catch (IntegException e) {
            return new Item(c.provider(), c.user(), "failed", e, c.expiresAt());
        }
    }
}
