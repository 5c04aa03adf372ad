package dev.integ.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.core.IntegException;
import dev.integ.providers.ProviderSpec;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** The Atlassian sites (cloud ids) a token reaches, from the provider's resources endpoint (accessible-resources). */
public final class Sites {
    /** One site: its cloud id and its URL ("https://acme.atlassian.net"). */
    public record Site(String id, String name, String url) {
    }

    private Sites() {
    }

    public static List<Site> lookUp(ProviderApi api, ProviderSpec spec, String user) {
        String endpoint = spec.endpoints().resources();
        if (endpoint == null) {
            throw IntegException.usage("no resources-endpoint for " + spec.name(), "integ cannot find the sites this credential reaches",
                    "set providers." + spec.name() + ".resources-endpoint, or give --site");
        }
        ApiResponse response = api.call(ApiRequest.get(spec.name(), user, "api.call", URI.create(endpoint), null));
        JsonNode sites = response.json();
        if (!response.ok()) {
            throw IntegException.failure(spec.name() + " accessible-resources failed", "HTTP " + response.status() + RawCalls.errorOf(response),
                    null, null);
        }
        if (!sites.isArray()) {
            throw IntegException.failure(spec.name() + " accessible-resources gave an unexpected answer", "expected a JSON list of sites",
                    null, null);
        }
        List<Site> out = new ArrayList<>();
        for (JsonNode s : sites) {
            if (s.path("id").isTextual() && !s.path("id").asText().isBlank()) {
                out.add(new Site(s.path("id").asText(), s.path("name").asText(""), s.path("url").asText("")));
            }
        }
        return out;
    }
}
