package dev.integ.oauth;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.vault.Credential;
import dev.integ.vault.CredentialVault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * `refresh --all`, the cron job: every active credential whose access token expires within a window is
 * refreshed, a bounded number at a time. One failure does not stop the others; each is reported.
 */
public final class RefreshSweep {
    /** @param outcome "refreshed", "fresh" (another process got there first) or "failed"; @param error null unless failed */
    public record Item(String provider, String user, String outcome, IntegException error) {
    }

    public record Summary(List<Item> items) {
        public long count(String outcome) {
            return items.stream().filter(i -> i.outcome().equals(outcome)).count();
        }

        /** 0 when all went well; else the most actionable code: a human must act, over retry later, over failure. */
        public int exitCode() {
            List<ExitCode> codes = items.stream().filter(i -> i.error() != null).map(i -> i.error().exitCode()).toList();
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

    /** @param provider only this provider's credentials, or null for all */
    public Summary run(String provider, Duration expiringWithin, int concurrency) {
        List<Credential> due = new ArrayList<>();
        vault.list(new CredentialVault.Filter(provider, null, Credential.ACTIVE, expiringWithin),
                c -> {
                    if (c.hasRefreshToken()) {
                        due.add(c);
                    }
                }, damaged -> { });
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
            return new Summary(items);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw IntegException.retryLater("interrupted", "during refresh --all", null, e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw IntegException.failure("refresh --all failed", e.getCause().getClass().getSimpleName(), null, e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private Item refreshOne(Credential c, Duration expiringWithin) {
        try {
            AccessTokens.Fresh fresh = tokens.refreshIfExpiring(c.provider(), c.user(), expiringWithin);
            return new Item(c.provider(), c.user(), fresh.refreshed() ? "refreshed" : "fresh", null);
        } catch (IntegException e) {
            return new Item(c.provider(), c.user(), "failed", e);
        }
    }
}
