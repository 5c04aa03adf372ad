package dev.integ.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.oauth.AccessTokens;
import dev.integ.providers.ProviderSpec;
import dev.integ.vault.Credential;
import dev.integ.vault.CredentialVault;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * `verify`: proves a credential works by asking the provider who it belongs to (Slack auth.test, Drive
 * about, Atlassian accessible-resources then Jira myself, or a custom provider's verify-url or userinfo),
 * through {@link ProviderApi}. A credential the provider refuses even after a refresh is marked
 * needs_reauth, so `list` and cron see it before a user does.
 */
public final class Verification {
    /** Fields that say whose a credential is, wherever a provider puts them (top level or under "user"). */
    private static final List<String> IDENTITY = List.of("user", "user_id", "team", "team_id", "url", "displayName", "emailAddress",
            "accountId", "email", "sub", "preferred_username", "name");

    public enum Status {
        OK, NEEDS_REAUTH, UNREACHABLE, FAILED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One credential's verdict; {@code error} is null when it worked. */
    public record Verdict(String provider, String user, Status status, Map<String, String> identity, String error) {
    }

    /** How many of each, for cron. */
    public record Summary(int ok, int needsReauth, int unreachable, int failed) {
        public ExitCode exitCode() {
            if (needsReauth > 0) {
                return ExitCode.HUMAN_ACTION;
            }
            if (unreachable > 0) {
                return ExitCode.RETRY_LATER;
            }
            return failed > 0 ? ExitCode.FAILURE : ExitCode.OK;
        }
    }

    private final ProviderApi api;
    private final AccessTokens tokens;
    private final CredentialVault vault;

    public Verification(ProviderApi api, AccessTokens tokens, CredentialVault vault) {
        this.api = api;
        this.tokens = tokens;
        this.vault = vault;
    }

    public Verdict verify(String provider, String user) {
        Credential stored = vault.read(provider, user).orElseThrow(() -> CredentialVault.notStored(provider, user)).credential();
        if (Credential.NEEDS_REAUTH.equals(stored.status())) {
            return new Verdict(provider, user, Status.NEEDS_REAUTH, Map.of(), "already marked needs_reauth");
        }
        try {
            return ask(api.spec(provider), stored);
        } catch (IntegException e) {
            return switch (e.exitCode()) {
                case HUMAN_ACTION -> new Verdict(provider, user, Status.NEEDS_REAUTH, Map.of(), e.getMessage());
                case RETRY_LATER -> new Verdict(provider, user, Status.UNREACHABLE, Map.of(), e.getMessage());
                case USAGE -> throw e;
                default -> new Verdict(provider, user, Status.FAILED, Map.of(), e.getMessage());
            };
        }
    }

    /**
     * Verifies every stored credential (optionally of one provider), handing each verdict to {@code each}
     * as it comes; a damaged record counts as needing a human.
     */
    public Summary verifyAll(String provider, Consumer<Verdict> each) {
        List<String[]> who = new ArrayList<>();
        int[] damaged = {0};
        vault.list(new CredentialVault.Filter(provider, null, null, null), c -> who.add(new String[] {c.provider(), c.user()}), d -> {
            damaged[0]++;
            each.accept(new Verdict(d.provider(), d.user(), Status.NEEDS_REAUTH, Map.of(), "damaged record: " + d.reason()));
        });
        int[] counts = new int[Status.values().length];
        counts[Status.NEEDS_REAUTH.ordinal()] = damaged[0];
        for (String[] w : who) {
            Verdict v;
            try {
                v = verify(w[0], w[1]);
            } catch (IntegException e) {
                // a provider integ has no settings for (an imported credential): nothing to ask
                v = new Verdict(w[0], w[1], Status.FAILED, Map.of(), e.getMessage());
            }
            counts[v.status().ordinal()]++;
            each.accept(v);
        }
        return new Summary(counts[0], counts[1], counts[2], counts[3]);
    }

    private Verdict ask(ProviderSpec spec, Credential stored) {
        String provider = stored.provider();
        String user = stored.user();
        Map<String, String> identity = new LinkedHashMap<>();
        String target = spec.verifyUrl();
        if (target == null) {
            target = Optional.ofNullable(spec.endpoints().userinfo()).orElseThrow(() -> IntegException.usage(
                    "integ does not know how to verify " + provider + " credentials", "it has neither a verify-url nor a userinfo-endpoint",
                    "set providers." + provider + ".verify-url in the config file"));
        }
        if (target.contains("{cloudId}")) {
            Optional<String> site = site(spec, stored, identity);
            if (site.isEmpty()) {
                return refusedOrFailed(stored, Status.FAILED, identity, "the credential reaches no site");
            }
            target = target.replace("{cloudId}", site.get());
        }
        URI url = target.matches("(?i)^https?://.*") && target.equals(spec.endpoints().userinfo()) ? URI.create(target)
                : api.base(provider).resolve(provider, target);
        ApiRequest request = ApiRequest.get(provider, user, "verify", url,
                spec.verifyUrl() == null ? null : PathTemplate.of(URI.create(spec.verifyUrl().replace("{cloudId}", "site")).getRawPath()));
        ApiResponse response = api.send(request);
        if (ProviderApi.refusedCredential(spec, response)) {
            tokens.markNeedsReauth(provider, user);
            return new Verdict(provider, user, Status.NEEDS_REAUTH, identity, ProviderApi.refused(request, response).getMessage());
        }
        JsonNode json = response.json();
        boolean slackError = spec.responseFormat() == ProviderSpec.ResponseFormat.SLACK && !json.path("ok").asBoolean(false);
        if (!response.ok() || slackError || !json.isObject()) {
            return new Verdict(provider, user, Status.FAILED, identity, "HTTP " + response.status() + RawCalls.errorOf(response)
                    + (json.isObject() || !response.ok() ? "" : " (not a JSON object)"));
        }
        collect(json, identity);
        collect(json.path("user"), identity);
        return new Verdict(provider, user, Status.OK, identity, null);
    }

    /** The site a Jira call goes to: the one recorded at connect, else the first accessible-resources lists. */
    private Optional<String> site(ProviderSpec spec, Credential stored, Map<String, String> identity) {
        String recorded = stored.account().get("cloud_id");
        if (recorded != null) {
            Optional.ofNullable(stored.account().get("site")).ifPresent(s -> identity.put("site", s));
            return Optional.of(recorded);
        }
        return Sites.lookUp(api, spec, stored.user()).stream().findFirst().map(s -> {
            identity.put("site", s.url());
            return s.id();
        });
    }

    private static Verdict refusedOrFailed(Credential c, Status status, Map<String, String> identity, String why) {
        return new Verdict(c.provider(), c.user(), status, identity, why);
    }

    private static void collect(JsonNode node, Map<String, String> into) {
        if (!node.isObject()) {
            return;
        }
        for (String field : IDENTITY) {
            JsonNode value = node.path(field);
            if (value.isTextual() && !value.asText().isBlank()) {
                into.putIfAbsent(field, printable(value.asText()));
            }
        }
    }

    /** Provider text shown on a terminal: no control characters, bounded. */
    static String printable(String s) {
        String clean = s.replaceAll("[\\p{Cntrl}\\u202A-\\u202E\\u2066-\\u2069]", "?");
        return clean.length() > 200 ? clean.substring(0, 200) + "..." : clean;
    }
}
