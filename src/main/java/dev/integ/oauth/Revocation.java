package dev.integ.oauth;

import dev.integ.core.IntegException;
import dev.integ.events.EventLog;
import dev.integ.events.SecurityEvent;
import dev.integ.providers.ProviderSpec;
import dev.integ.vault.Credential;
import dev.integ.vault.CredentialVault;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Ends a credential: at the provider first, then locally. When the provider cannot be reached or
 * refuses, the record is kept (deleting it would leave a live grant nobody can revoke any more), unless
 * the admin asks for a local-only forget. The stored tokens are used as they are, never refreshed.
 */
public final class Revocation {
    /** How one credential ended. */
    public enum Outcome {
        /** revoked at the provider, deleted here */
        REVOKED,
        /** the provider already considered the token invalid; deleted here */
        ALREADY_INVALID,
        /** the provider has no revocation endpoint: deleted here only, see {@link Result#advice()} */
        LOCAL_ONLY_NO_ENDPOINT,
        /** deleted here only, as asked (--local-only) */
        LOCAL_ONLY,
        /** kept: the provider call failed, see {@link Result#error()} */
        FAILED,
        /**
         * kept: the record does not verify, so its tokens cannot be read to revoke the grant, which stays live at
         * the provider; see {@link Result#advice()} for what to do there
         */
        DAMAGED
    }

    /** @param advice what the admin must still do at the provider, or null; @param error why it failed, or null */
    public record Result(String provider, String user, Outcome outcome, String advice, IntegException error) {
    }

    private final CredentialVault vault;
    private final Function<String, ProviderSpec> specs;
    private final BiFunction<String, String, ProviderClient> clients;
    private final EventLog events;

    public Revocation(CredentialVault vault, Function<String, ProviderSpec> specs, BiFunction<String, String, ProviderClient> clients,
                      EventLog events) {
        this.vault = vault;
        this.specs = specs;
        this.clients = clients;
        this.events = events;
    }

    /**
     * @param confirm asked once the credential is known to exist, before anything happens; throws to stop
     * @throws IntegException when there is no such credential, or the provider call failed (the record is kept)
     */
    public Result revoke(String provider, String user, boolean localOnly, Runnable confirm) {
        Result result = attempt(provider, user, localOnly, confirm);
        if (result.outcome() == Outcome.FAILED) {
            throw result.error();
        }
        return result;
    }

    /**
     * Every credential of {@code user}, one provider after another; a failure does not stop the others.
     * A record that does not verify is reported as {@link Outcome#DAMAGED} and kept, with or without
     * {@code localOnly}: a bulk job never erases a damaged record (it is evidence, and a copy restored from
     * a backup can still be revoked); 'integ forget' deletes one on purpose.
     *
     * @param confirm shown the providers whose credentials will be revoked, before anything happens; throws to stop
     * @throws IntegException not found when {@code user} has no record at all
     */
    public List<Result> revokeAllFor(String user, boolean localOnly, Consumer<List<String>> confirm) {
        List<String> providers = new ArrayList<>();
        List<CredentialVault.Damaged> damaged = new ArrayList<>(); // at most one per provider: one user's records
        vault.list(new CredentialVault.Filter(null, user, null, null), c -> providers.add(c.provider()), damaged::add);
        if (providers.isEmpty() && damaged.isEmpty()) {
            throw IntegException.notFound("no credentials for " + user, null, "'integ list' shows what is stored");
        }
        providers.sort(null); // SCAN order is arbitrary: the question and the report read the same every time
        List<Result> results = new ArrayList<>();
        if (!providers.isEmpty()) {
            confirm.accept(List.copyOf(providers));
        }
        for (String provider : providers) {
            try {
                results.add(attempt(provider, user, localOnly, () -> { }));
            } catch (IntegException e) {
                // one provider without settings (or gone meanwhile) must not stop the offboarding of the others
                results.add(new Result(provider, user, Outcome.FAILED, null, e));
            }
        }
        damaged.forEach(d -> results.add(kept(d)));
        results.sort(Comparator.comparing(Result::provider));
        return results;
    }

    /** A damaged record: what the admin must do at the provider, since integ can neither revoke its grant nor should erase it. */
    private Result kept(CredentialVault.Damaged d) {
        String title = d.provider();
        String advice = null;
        try {
            ProviderSpec spec = specs.apply(d.provider());
            title = spec.title();
            advice = spec.revokeAdvice();
        } catch (IntegException noSettings) {
            // a provider integ has no settings for: the generic advice below
        }
        if (advice == null) {
            advice = "remove integ's access for " + d.user() + " in " + title + "'s admin console or the account's connected-apps settings";
        }
        IntegException error = IntegException.humanAction("integrity failure: credential " + d.name() + " (" + d.key() + "): " + d.reason(),
                "kept here (nothing erased) and not revoked: its grant is still live at " + title,
                "at " + title + ": " + advice + "; then 'integ forget " + d.provider() + " --user " + d.user()
                        + " --yes' deletes the damaged record here (or restore it from a backup and run 'integ revoke " + d.provider()
                        + " --user " + d.user() + "')");
        return new Result(d.provider(), d.user(), Outcome.DAMAGED, advice, error);
    }

    private Result attempt(String provider, String user, boolean localOnly, Runnable confirm) {
        CredentialVault.Opened opened = vault.read(provider, user).orElseThrow(() -> CredentialVault.notStored(provider, user));
        confirm.run();
        if (localOnly) {
            delete(opened.credential(), "local_only");
            return new Result(provider, user, Outcome.LOCAL_ONLY, null, null);
        }
        ProviderSpec spec = specs.apply(provider);
        if (!spec.hasRevocationEndpoint() && spec.issuer() == null) {
            delete(opened.credential(), "no_endpoint");
            return new Result(provider, user, Outcome.LOCAL_ONLY_NO_ENDPOINT, advice(spec), null);
        }
        ProviderClient client = clients.apply(provider, user);
        // recorded before the provider is asked (fail closed): a revocation must never happen unrecorded
        events.record(SecurityEvent.success("revoke.start", provider, user, Map.of()));
        ProviderClient.Revoked revoked;
        try {
            revoked = client.revoke(user, opened.secrets());
        } catch (IntegException e) {
            events.recordQuietly(SecurityEvent.failure("revoke", provider, user, Map.of("reason", e.exitCode().name().toLowerCase(Locale.ROOT))), x -> { });
            IntegException kept = e.withHint("the credential is kept; to forget it here anyway: integ revoke " + provider
                    + " --user " + user + " --local-only");
            return new Result(provider, user, Outcome.FAILED, null, kept);
        }
        return switch (revoked) {
            case REVOKED -> {
                delete(opened.credential(), "revoked");
                yield new Result(provider, user, Outcome.REVOKED, null, null);
            }
            case ALREADY_INVALID -> {
                delete(opened.credential(), "already_invalid");
                yield new Result(provider, user, Outcome.ALREADY_INVALID, null, null);
            }
            case NOT_SUPPORTED -> {
                delete(opened.credential(), "no_endpoint");
                yield new Result(provider, user, Outcome.LOCAL_ONLY_NO_ENDPOINT, advice(spec), null);
            }
        };
    }

    private void delete(Credential c, String how) {
        vault.remove(c.provider(), c.user(), SecurityEvent.success("revoke", c.provider(), c.user(), Map.of("how", how)));
    }

    private static String advice(ProviderSpec spec) {
        return spec.revokeAdvice() != null ? spec.revokeAdvice()
                : spec.title() + " has no revocation endpoint configured: remove integ's access in the account's settings at " + spec.title();
    }
}
