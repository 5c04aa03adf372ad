package dev.integ.cli;

import dev.integ.Services;
import dev.integ.config.Environment;
import dev.integ.core.Durations;
import dev.integ.core.Printable;
import dev.integ.providers.ClientCredentials;
import dev.integ.providers.ProviderSpec;
import dev.integ.providers.RefreshTokenPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

@Command(name = "show", header = "Show one provider's settings: endpoints, scopes, redirect URI, client (never its secret).")
final class ProvidersShowCommand extends ServiceCommand {

    @Parameters(paramLabel = "PROVIDER", description = "A provider name or alias.")
    String provider;

    ProvidersShowCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        ProviderSpec spec = services.providers().resolve(provider);
        Map<String, Object> doc = document(spec, services.environment());
        render(doc, out -> doc.forEach((k, v) -> out.printf("%-22s %s%n", k, Printable.escape(ShowCommand.text(v)))));
        return 0;
    }

    /** Everything about a provider that is safe to print: where the secret comes from, never the secret. */
    static Map<String, Object> document(ProviderSpec spec, Environment env) {
        Map<String, Object> doc = new LinkedHashMap<>();
        List<String> missing = ClientCredentials.missing(spec, env);
        doc.put("name", spec.name());
        doc.put("title", spec.title());
        doc.put("kind", spec.builtIn() ? "built-in" : "custom");
        doc.put("aliases", List.copyOf(new TreeSet<>(spec.aliases())));
        doc.put("ready", missing.isEmpty());
        doc.put("missing", missing);
        doc.put("issuer", spec.issuer());
        doc.put("authorization_endpoint", spec.endpoints().authorization());
        doc.put("token_endpoint", spec.endpoints().token());
        doc.put("revocation_endpoint", spec.endpoints().revocation());
        doc.put("userinfo_endpoint", spec.endpoints().userinfo());
        doc.put("resources_endpoint", spec.endpoints().resources());
        doc.put("device_authorization_endpoint", spec.endpoints().deviceAuthorization());
        doc.put("api_base_url", spec.apiBaseUrl());
        doc.put("verify_url", spec.verifyUrl());
        doc.put("client_id", env.get(ClientCredentials.idVariable(spec)).orElse(spec.client().clientId()));
        doc.put("client_secret", spec.client().auth().needsSecret()
                ? ClientCredentials.describeSecretSource(spec, env).map(s -> "set (" + s + ")").orElse("missing")
                : "none (public client)");
        doc.put("client_auth", spec.client().auth().configName());
        doc.put("scopes", spec.scopes());
        doc.put("pkce", spec.pkce() ? "S256" : "off");
        doc.put("redirect_uri", redirect(spec));
        doc.put("authorize_parameters", spec.authorizeParameters());
        doc.put("token_encoding", spec.tokenEncoding().name().toLowerCase(Locale.ROOT));
        RefreshTokenPolicy refresh = spec.refreshTokens();
        doc.put("refresh_token_lifetime", duration(refresh.lifetime()));
        doc.put("refresh_token_idle_lifetime", duration(refresh.idle()));
        doc.put("refresh_token_max_lifetime", duration(refresh.grant()));
        doc.put("refresh_token_rotation", refresh.rotates());
        doc.put("revoke_advice", spec.revokeAdvice());
        return doc;
    }

    private static String duration(Duration d) {
        return d == null ? null : Durations.format(d);
    }

    private static String redirect(ProviderSpec spec) {
        String host = spec.redirect().host().equals("::1") ? "[::1]" : spec.redirect().host();
        return "http://" + host + ":" + (spec.redirect().port() == 0 ? "<free port>" : spec.redirect().port()) + spec.redirect().path();
    }
}
