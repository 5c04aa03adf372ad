package dev.integ.testing.torture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** `integ keys status -o json`, as far as a torture run reads it: the keys in keyset order, and records under none. */
record KeyStatus(List<Key> keys, long records, long unknownKeyRecords) {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Key(String id, String status, boolean primary, long records) {
    }

    static KeyStatus parse(String json) {
        try {
            JsonNode doc = JSON.readTree(json);
            List<Key> keys = new ArrayList<>();
            doc.path("keys").forEach(k -> keys.add(new Key(k.path("id").asText(), k.path("status").asText(), k.path("primary").asBoolean(),
                    k.path("records").asLong())));
            return new KeyStatus(List.copyOf(keys), doc.path("records").asLong(), doc.path("unknown_key_records").asLong());
        } catch (IOException e) {
            throw new UncheckedIOException("not the JSON of 'keys status -o json'", e);
        }
    }

    Optional<String> primary() {
        return keys.stream().filter(Key::primary).map(Key::id).findFirst();
    }

    /** The keyset lists keys in the order they were added: the first that is not the primary is the oldest. */
    Optional<String> oldestNonPrimary() {
        return keys.stream().filter(k -> !k.primary()).map(Key::id).findFirst();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(records + " records");
        keys.forEach(k -> s.append(", ").append(k.id()).append(k.primary() ? "*" : "").append(' ').append(k.status()).append(' ')
                .append(k.records()));
        return s.append(unknownKeyRecords > 0 ? ", " + unknownKeyRecords + " under no key" : "").toString();
    }
}
