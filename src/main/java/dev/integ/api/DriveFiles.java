package dev.integ.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.core.IntegException;

import java.net.URI;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * `drive ls`: Drive v3 files.list with the user's token, page after page ({@code nextPageToken}) up to
 * the limit, each page at most 1000 (Drive's cap). A search text goes into {@code q} as a literal
 * escaped by Drive's rules ({@link DriveQuery}). Each file is handed on as it arrives; an answer of the
 * wrong shape, or pages that never end, is a clear error.
 */
public final class DriveFiles {
    private static final String PROVIDER = "google";
    public static final int MAX_LIMIT = 1_000_000;
    private static final int PAGE_CAP = 1000;
    /** Pages without a file in a row before integ stops believing the next one will have some. */
    private static final int EMPTY_PAGES = 20;

    /** One file, as listed. {@code size} is null for Google Docs and folders. */
    public record File(String id, String name, String mimeType, String modifiedTime, String size) {
    }

    private final ProviderApi api;

    public DriveFiles(ProviderApi api) {
        this.api = api;
    }

    /**
     * @param query        a Drive query of the caller's own (sent as it is), or null
     * @param nameContains text to find in file names (escaped here), or null
     * @return how many files were listed
     */
    public int list(String user, String query, String nameContains, int limit, Consumer<File> files) {
        if (query != null && nameContains != null) {
            throw IntegException.usage("--query and --name-contains do not go together", "give one of them", null);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw IntegException.usage("invalid --limit " + limit, "give 1 to " + MAX_LIMIT, null);
        }
        String q = nameContains != null ? DriveQuery.nameContains(nameContains)
                : query != null ? SinkText.requireNoNul(query, "--query", "Drive") : null;
        URI url = api.base(PROVIDER).resolve(PROVIDER, "drive/v3/files");
        url = Pages.withParameter(url, "fields", "nextPageToken,incompleteSearch,files(id,name,mimeType,modifiedTime,size)");
        if (q != null) {
            url = Pages.withParameter(url, "q", q);
        }
        int listed = 0;
        int emptyInARow = 0;
        Set<String> tokens = new HashSet<>();
        String pageToken = null;
        while (listed < limit) {
            URI page = Pages.withParameter(url, "pageSize", Integer.toString(Math.min(PAGE_CAP, limit - listed)));
            if (pageToken != null) {
                page = Pages.withParameter(page, "pageToken", pageToken);
            }
            ApiResponse response = api.call(ApiRequest.get(PROVIDER, user, "drive.list", page, "/drive/v3/files"));
            if (!response.ok()) {
                throw refused(response);
            }
            JsonNode json = response.json();
            JsonNode items = json.path("files");
            if (!json.isObject() || !(items.isArray() || items.isMissingNode())) {
                throw unexpected(response.isJson() ? "files is not a list" : "not JSON");
            }
            int before = listed;
            for (JsonNode f : items) {
                if (listed >= limit) {
                    break;
                }
                files.accept(file(f));
                listed++;
            }
            emptyInARow = listed == before ? emptyInARow + 1 : 0;
            JsonNode next = json.path("nextPageToken");
            if (next.isMissingNode() || next.isNull() || next.asText().isEmpty()) {
                return listed;
            }
            if (!next.isTextual()) {
                throw unexpected("nextPageToken is not a string");
            }
            if (!tokens.add(next.asText()) || emptyInARow >= EMPTY_PAGES) {
                throw IntegException.failure("Drive kept sending pages without end", "stopped after " + listed + " files", null, null);
            }
            pageToken = next.asText();
        }
        return listed;
    }

    private static File file(JsonNode f) {
        if (!f.isObject() || !f.path("id").isTextual() || !f.path("name").isTextual()) {
            throw unexpected("a file without a textual id and name");
        }
        JsonNode size = f.path("size");
        return new File(f.path("id").asText(), f.path("name").asText(), f.path("mimeType").asText(""),
                f.path("modifiedTime").asText(""), size.isTextual() || size.isNumber() ? size.asText() : null);
    }

    private static IntegException unexpected(String why) {
        return IntegException.failure("unexpected answer from Drive files.list", why, null, null);
    }

    private static IntegException refused(ApiResponse response) {
        String why = "HTTP " + response.status() + RawCalls.errorOf(response);
        if (response.status() == 400) {
            return IntegException.usage("Drive refused the query", why, "check --query against Drive's search syntax");
        }
        if (response.status() == 403 || response.status() == 404) {
            return IntegException.notFound("Drive denied the listing", why, "check the credential's scopes");
        }
        return IntegException.failure("Drive files.list failed", why, null, null);
    }
}
