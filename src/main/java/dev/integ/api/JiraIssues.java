package dev.integ.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.integ.core.IntegException;
import dev.integ.http.OutboundHttp;
import dev.integ.vault.Credential;
import dev.integ.vault.CredentialVault;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * `jira create`: one issue on a Jira Cloud site through {@code ex/jira/{cloudId}/rest/api/3/issue}. The
 * summary (1-255 characters, one line) and project key are checked, and the description turned into
 * an Atlassian Document, before anything is sent; Jira's own field errors are shown field by field.
 * The site is the one recorded at connect, {@code --site} when the grant has several, or looked up
 * through accessible-resources for a credential imported without one.
 */
public final class JiraIssues {
    private static final String PROVIDER = "jira";
    public static final int SUMMARY_LIMIT = 255;
    public static final int DESCRIPTION_LIMIT = 32_767;
    private static final Pattern PROJECT = Pattern.compile("[A-Z][A-Z0-9_]{1,9}");
    private static final Pattern TYPE = Pattern.compile("[\\p{L}\\p{N} _-]{1,60}");

    /** The created issue, and where people open it. */
    public record Created(String key, String id, String browseUrl, String site) {
    }

    private final ProviderApi api;
    private final CredentialVault vault;

    public JiraIssues(ProviderApi api, CredentialVault vault) {
        this.api = api;
        this.vault = vault;
    }

    /** @param description plain text, or null */
    public Created create(String user, String project, String summary, String description, String type, String site) {
        if (project == null || !PROJECT.matcher(project).matches()) {
            throw IntegException.usage("invalid --project '" + Verification.printable(String.valueOf(project)) + "'",
                    "a Jira project key is an uppercase letter and 1-9 more uppercase letters, digits or _ (OPS, R_D)", null);
        }
        checkSummary(summary);
        if (type == null || !TYPE.matcher(type).matches()) {
            throw IntegException.usage("invalid --type", "give an issue type name such as Task, Bug or Story", null);
        }
        ObjectNode fields = ApiResponse.JSON.createObjectNode();
        fields.putObject("project").put("key", project);
        fields.put("summary", summary);
        fields.putObject("issuetype").put("name", type);
        if (description != null) {
            SinkText.requireNoNul(description, "the description", "Jira");
            if (SinkText.characters(description) > DESCRIPTION_LIMIT) {
                throw IntegException.usage("the description is " + SinkText.characters(description) + " characters",
                        "Jira takes at most " + DESCRIPTION_LIMIT + " (and spends the issue number on a refusal)", "shorten it");
            }
            fields.set("description", Adf.document(description));
        }
        ObjectNode body = ApiResponse.JSON.createObjectNode();
        body.set("fields", fields);
        Sites.Site where = site(user, site);
        URI url = api.base(PROVIDER).resolve(PROVIDER, "ex/jira/" + where.id() + "/rest/api/3/issue");
        ApiResponse response;
        try {
            response = api.call(ApiRequest.postJson(PROVIDER, user, "jira.create", url, body.toString().getBytes(StandardCharsets.UTF_8),
                    "/ex/jira/{cloudId}/rest/api/3/issue"));
        } catch (IntegException e) {
            if (e.getMessage() != null && e.getMessage().contains(OutboundHttp.MAY_HAVE_BEEN_APPLIED)) {
                throw e.explained("the issue in " + project + " may have been created", "its answer was lost, so it was not sent again",
                        "look for it in " + project + " before creating it again");
            }
            throw e;
        }
        JsonNode json = response.json();
        if (!response.ok()) {
            String why = "HTTP " + response.status() + fieldErrors(json).map(s -> ": " + s).orElse(RawCalls.errorOf(response));
            if (response.status() == 400) {
                throw IntegException.usage("Jira refused the issue", why, null);
            }
            if (response.status() == 403 || response.status() == 404) {
                throw IntegException.notFound("Jira refused the issue", why, "check the project key and the credential's access to it");
            }
            throw IntegException.failure("Jira refused the issue", why, null, null);
        }
        if (!json.path("key").isTextual()) {
            throw IntegException.failure("unexpected answer from Jira", "HTTP " + response.status() + " without an issue key",
                    "the issue was probably created: look in " + project, null);
        }
        String key = json.path("key").asText();
        String browse = where.url().isEmpty() ? "" : where.url().replaceAll("/+$", "") + "/browse/" + key;
        return new Created(key, json.path("id").asText(""), browse, where.url());
    }

    static void checkSummary(String summary) {
        if (summary == null || summary.isBlank()) {
            throw IntegException.usage("the summary is empty", "Jira needs a summary", null);
        }
        SinkText.requireNoNul(summary, "the summary", "Jira");
        if (summary.contains("\n") || summary.contains("\r")) {
            throw IntegException.usage("the summary has a line break", "a Jira summary is one line", "put the rest in --description");
        }
        int length = SinkText.characters(summary);
        if (length > SUMMARY_LIMIT) {
            throw IntegException.usage("the summary is " + length + " characters", "Jira takes at most " + SUMMARY_LIMIT + "; nothing was cut",
                    "shorten it, and put the rest in --description");
        }
    }

    /** Jira's {"errorMessages":[...],"errors":{field: message}}, field by field. */
    static Optional<String> fieldErrors(JsonNode json) {
        StringBuilder out = new StringBuilder();
        json.path("errorMessages").forEach(m -> out.append(out.length() == 0 ? "" : "; ").append(Verification.printable(m.asText())));
        json.path("errors").fields().forEachRemaining(e -> out.append(out.length() == 0 ? "" : "; ").append(e.getKey()).append(": ")
                .append(Verification.printable(e.getValue().asText())));
        return out.length() == 0 ? Optional.empty() : Optional.of(out.toString());
    }

    /** The site recorded at connect (or chosen with --site among the grant's), else looked up. */
    private Sites.Site site(String user, String wanted) {
        Credential c = vault.read(PROVIDER, user).orElseThrow(() -> CredentialVault.notStored(PROVIDER, user)).credential();
        String recorded = c.account().get("cloud_id");
        List<String> ids = c.account().containsKey("cloud_ids") ? Arrays.asList(c.account().get("cloud_ids").split(","))
                : recorded == null ? List.of() : List.of(recorded);
        if (recorded != null && (wanted == null ? ids.size() == 1 : ids.contains(wanted) || matches(c.account().get("site"), wanted))) {
            String id = wanted != null && ids.contains(wanted) ? wanted : recorded;
            return new Sites.Site(id, "", id.equals(recorded) ? c.account().getOrDefault("site", "") : "");
        }
        List<Sites.Site> sites = Sites.lookUp(api, api.spec(PROVIDER), user);
        if (sites.isEmpty()) {
            throw IntegException.humanAction("the jira credential of " + user + " reaches no site", "accessible-resources lists none",
                    "connect again and choose a site: integ connect jira --user " + user);
        }
        if (wanted == null) {
            if (sites.size() > 1) {
                throw IntegException.usage("the jira credential of " + user + " reaches " + sites.size() + " sites", "say which one",
                        "add --site with one of: " + String.join(", ", sites.stream().map(s -> s.name().isEmpty() ? s.id() : s.name()).toList()));
            }
            return sites.get(0);
        }
        return sites.stream().filter(s -> s.id().equals(wanted) || s.name().equalsIgnoreCase(wanted) || matches(s.url(), wanted)).findFirst()
                .orElseThrow(() -> IntegException.notFound("no site '" + Verification.printable(wanted) + "' for the jira credential of " + user,
                        "it reaches " + String.join(", ", sites.stream().map(s -> s.name() + " (" + s.url() + ")").toList()), null));
    }

    private static boolean matches(String url, String wanted) {
        if (url == null || url.isEmpty() || wanted == null) {
            return false;
        }
        String host = URI.create(url).getHost();
        String w = wanted.toLowerCase(Locale.ROOT).replaceFirst("^https?://", "").replaceAll("/+$", "");
        return host != null && (host.equalsIgnoreCase(w) || host.toLowerCase(Locale.ROOT).startsWith(w + "."));
    }
}
