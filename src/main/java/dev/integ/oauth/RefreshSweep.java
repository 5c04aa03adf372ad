package dev.integ.oauth;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.vault.Credential;
import dev.integ.vault.CredentialVault;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
     * @param outcome "refreshed", "fresh" (another process got there first), "failed", or "skipped" (no
     *                refresh token: nothing to redeem)
     * @param error   null unless failed
     * @param expiresAt when the access token expires (for a skipped credential: when it stops working)
     */
    public record Item(String provider, String user, String outcome, IntegException error, Instant expiresAt) {
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
        List<Credential> due = new ArrayList<>();
        List<Item> skipped = new ArrayList<>();
        CredentialVault.ListSummary scanned = vault.list(new CredentialVault.Filter(provider, null, Credential.ACTIVE, expiringWithin),
                c -> {
                    if (c.hasRefreshToken()) {
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

    private Item refreshOne(Credential c, Duration expiringWithin) {
        try {
            AccessTokens.Fresh fresh = tokens.refreshIfExpiring(c.provider(), c.user(), expiringWithin);
            return new Item(c.provider(), c.user(), fresh.refreshed() ? "refreshed" : "fresh", null, fresh.credential().expiresAt());
        } catch (IntegException e) {
            return new Item(c.provider(), c.user(), "failed", e, c.expiresAt());
        }
    }
}
