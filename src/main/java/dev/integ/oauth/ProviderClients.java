package dev.integ.oauth;

import dev.integ.config.Environment;
import dev.integ.http.OutboundHttp;
import dev.integ.providers.ClientCredentials;
import dev.integ.providers.ProviderCatalog;
import dev.integ.providers.ProviderSpec;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Turns a provider's name into a ready {@link ProviderClient}: its client credentials read and its endpoints discovered. */
public final class ProviderClients {
    private final ProviderCatalog catalog;
    private final Environment env;
    private final OutboundHttp http;
    private final Clock clock;
    /** One discovery per provider and invocation: `refresh --all` may open the same provider for a thousand users. */
    private final Map<String, Opened> opened = new ConcurrentHashMap<>();

    public ProviderClients(ProviderCatalog catalog, Environment env, OutboundHttp http, Clock clock) {
        this.catalog = catalog;
        this.env = env;
        this.http = http;
        this.clock = clock;
    }

    /** The provider called {@code name} (or an alias of it), not yet contacted. */
    public ProviderSpec spec(String name) {
        return catalog.resolve(name);
    }

    /** A client with what is missing reported up front (naming the variable), and the endpoints discovered if needed. */
    public Opened open(String name, String user) {
        ProviderSpec spec = catalog.resolve(name);
        return opened.computeIfAbsent(spec.name(), n -> {
            ClientCredentials credentials = ClientCredentials.resolve(spec, env);
            Discovery.Discovered discovered = new Discovery(http).complete(spec, user);
            return new Opened(new ProviderClient(discovered.spec(), credentials, http, clock), discovered.issuerInCallback());
        });
    }

    /** @param issuerInCallback the server promised RFC 9207's iss parameter in its callbacks */
    public record Opened(ProviderClient client, boolean issuerInCallback) {
    }
}
