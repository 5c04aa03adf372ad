package dev.integ.vault;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.integ.core.IntegException;
import dev.integ.events.SecurityEvent;

import java.io.BufferedReader;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Migrates tokens from another tool: one JSON object per line. Every line is validated before
 * anything is written; error messages name the line and the field, never a value (a value may be a token).
 */
public final class CredentialImport {
    private static final Set<String> FIELDS = Set.of("provider", "user", "access_token", "refresh_token", "expires_at", "expires_in",
            "refresh_expires_at", "refresh_expires_in", "scopes", "metadata", "secrets");
    private static final int BATCH = 500;

    private final CredentialVault vault;
    private final ObjectMapper json = JsonMapper.builder()
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    public record Problem(int line, String message) {
        @Override
        public String toString() {
            return "line " + line + ": " + message;
        }
    }

    /** @param rejected true when invalid lines stopped the import: then nothing was written */
    public record Result(int imported, int replaced, int skipped, List<Problem> problems, boolean dryRun, boolean rejected) {
    }

    private record Entry(int line, Credential credential, Secrets secrets) {
    }

    private final java.util.function.UnaryOperator<String> canonicalProvider;

    public CredentialImport(CredentialVault vault) {
        this(vault, java.util.function.UnaryOperator.identity());
    }

    /** @param canonicalProvider the name a provider's credentials are stored under ("google_drive" is "google") */
    public CredentialImport(CredentialVault vault, java.util.function.UnaryOperator<String> canonicalProvider) {
        this.vault = vault;
        this.canonicalProvider = canonicalProvider;
    }

    /**
     * @param replace      overwrite credentials that are already stored (otherwise that is an error)
     * @param skipInvalid  write the valid lines and report the others, instead of writing nothing
     */
    public Result run(BufferedReader input, boolean replace, boolean skipInvalid, boolean dryRun) throws IOException {
        List<Problem> problems = new ArrayList<>();
        List<Entry> entries = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Instant now = vault.clock().instant();
        String text;
        int lineNumber = 0;
        while ((text = input.readLine()) != null) {
            lineNumber++;
            if (text.isBlank()) {
                continue;
            }
            try {
                Entry entry = parse(lineNumber, text, now);
                if (!seen.add(entry.credential().provider() + "\u0000" + entry.credential().user())) {
                    throw new Invalid("a second line for " + entry.credential().provider() + "/" + entry.credential().user());
                }
                entries.add(entry);
            } catch (Invalid e) {
                problems.add(new Problem(lineNumber, e.getMessage()));
            }
        }
        Map<Entry, Long> revs = existing(entries, replace, problems);
        if (!problems.isEmpty() && !skipInvalid) {
            if (!dryRun) {
                vault.events().record(SecurityEvent.failure("import", null, null, Map.of("invalid_lines", Integer.toString(problems.size()))));
            }
            return new Result(0, 0, 0, problems, dryRun, true);
        }
        Set<Integer> bad = new HashSet<>();
        problems.forEach(p -> bad.add(p.line()));
        List<Entry> valid = entries.stream().filter(e -> !bad.contains(e.line())).toList();
        int replaced = (int) valid.stream().filter(e -> revs.getOrDefault(e, 0L) > 0).count();
        if (dryRun) {
            return new Result(valid.size(), replaced, problems.size(), problems, true, false);
        }
        // recorded before anything is written: an import the log cannot hear about does not happen
        vault.events().record(SecurityEvent.success("import", null, null, Map.of("credentials", Integer.toString(valid.size()),
                "replacing", Integer.toString(replaced), "skipped_lines", Integer.toString(problems.size()))));
        for (int from = 0; from < valid.size(); from += BATCH) {
            List<Entry> batch = valid.subList(from, Math.min(valid.size(), from + BATCH));
            List<Boolean> applied = vault.saveAll(batch.stream()
                    .map(e -> new CredentialVault.Save(e.credential(), e.secrets(), revs.getOrDefault(e, 0L))).toList());
            for (int i = 0; i < applied.size(); i++) {
                if (!applied.get(i)) {
                    throw IntegException.retryLater("import stopped at line " + batch.get(i).line(),
                            batch.get(i).credential().provider() + "/" + batch.get(i).credential().user()
                                    + " changed while importing; " + (from + i) + " credentials were written",
                            "run the import again with --replace", null);
                }
            }
        }
        return new Result(valid.size(), replaced, problems.size(), problems, false, false);
    }

    private Map<Entry, Long> existing(List<Entry> entries, boolean replace, List<Problem> problems) {
        Map<Entry, Long> revs = new HashMap<>();
        for (Entry e : entries) {
            vault.store().get(e.credential().provider(), e.credential().user()).ifPresent(stored -> {
                if (replace) {
                    revs.put(e, stored.rev());
                } else {
                    problems.add(new Problem(e.line(), e.credential().provider() + "/" + e.credential().user()
                            + " is already stored (use --replace to overwrite it)"));
                }
            });
        }
        problems.sort((a, b) -> Integer.compare(a.line(), b.line()));
        return revs;
    }

    private Entry parse(int line, String text, Instant now) {
        JsonNode node;
        try {
            node = json.readTree(text);
        } catch (JsonProcessingException e) {
            // Jackson's message may quote the input, and the input holds tokens: say where, not what
            throw new Invalid("not a JSON object (column " + (e.getLocation() == null ? "?" : e.getLocation().getColumnNr()) + ")");
        }
        if (node == null || !node.isObject()) {
            throw new Invalid("not a JSON object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new Invalid("unknown field '" + name + "' (known: " + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
            }
        }
        String provider = text(node, "provider", true);
        if (!dev.integ.core.ProviderName.valid(provider)) {
            throw new Invalid("provider must be 1 to 32 lower-case letters, digits, '-' or '_', starting with a letter");
        }
        provider = canonicalProvider.apply(provider);
        String user = text(node, "user", true);
        if (user.length() > 256 || user.isBlank()) {
            throw new Invalid("user must be 1 to 256 characters");
        }
        String access = text(node, "access_token", true);
        String refresh = text(node, "refresh_token", false);
        Instant expiresAt = time(node, "expires_at", "expires_in", now);
        Instant refreshExpiresAt = time(node, "refresh_expires_at", "refresh_expires_in", now);
        if (refresh == null && refreshExpiresAt != null) {
            throw new Invalid("refresh_expires_at without a refresh_token");
        }
        if (refresh == null && expiresAt != null && !expiresAt.isAfter(now)) {
            throw new Invalid("the access token has expired and there is no refresh token: nothing usable to import");
        }
        List<String> scopes = scopes(node.get("scopes"));
        Map<String, String> account = stringMap(node, "metadata");
        Map<String, String> otherSecrets = stringMap(node, "secrets");
        Credential credential = new Credential(provider, user, Credential.ACTIVE, scopes, expiresAt, refreshExpiresAt, refresh != null,
                now, now, account);
        return new Entry(line, credential, new Secrets(access, refresh, otherSecrets));
    }

    private static String text(JsonNode node, String field, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new Invalid("missing " + field);
            }
            return null;
        }
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw new Invalid(field + " must be a non-empty string");
        }
        return value.asText();
    }

    private static Instant time(JsonNode node, String atField, String inField, Instant now) {
        Instant t = parseTime(node, atField, inField, now);
        try {
            if (t != null) {
                t.toEpochMilli(); // records keep epoch milliseconds
            }
            return t;
        } catch (ArithmeticException e) {
            throw new Invalid((node.get(inField) != null ? inField : atField) + " is out of range");
        }
    }

    private static Instant parseTime(JsonNode node, String atField, String inField, Instant now) {
        JsonNode at = node.get(atField);
        JsonNode in = node.get(inField);
        if (at != null && in != null) {
            throw new Invalid("give " + atField + " or " + inField + ", not both");
        }
        if (in != null) {
            if (!in.canConvertToLong() || in.asLong() < 0) {
                throw new Invalid(inField + " must be a number of seconds");
            }
            try {
                return now.plusSeconds(in.asLong());
            } catch (ArithmeticException | DateTimeException e) {
                throw new Invalid(inField + " is out of range");
            }
        }
        if (at == null || at.isNull()) {
            return null;
        }
        if (at.canConvertToLong()) {
            try {
                return Instant.ofEpochSecond(at.asLong());
            } catch (DateTimeException e) {
                throw new Invalid(atField + " is out of range");
            }
        }
        try {
            return Instant.parse(at.asText());
        } catch (DateTimeParseException e) {
            throw new Invalid(atField + " must be ISO-8601 (2026-11-27T10:00:00Z) or epoch seconds");
        }
    }

    private static List<String> scopes(JsonNode scopes) {
        if (scopes == null || scopes.isNull()) {
            return List.of();
        }
        if (scopes.isTextual()) {
            return Arrays.stream(scopes.asText().split("[\\s,]+")).filter(s -> !s.isEmpty()).toList();
        }
        if (!scopes.isArray()) {
            throw new Invalid("scopes must be a list of strings or one space-separated string");
        }
        List<String> list = new ArrayList<>();
        for (JsonNode s : scopes) {
            if (!s.isTextual()) {
                throw new Invalid("scopes must be strings");
            }
            list.add(s.asText());
        }
        return list;
    }

    private static Map<String, String> stringMap(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Map.of();
        }
        if (!value.isObject()) {
            throw new Invalid(field + " must be an object of strings");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isValueNode()) {
                throw new Invalid(field + "." + e.getKey() + " must be a string");
            }
            map.put(e.getKey(), e.getValue().asText());
        }
        return map;
    }

    /** Problems found while validating; the caller collects them, one per line. */
    static final class Invalid extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }
}
