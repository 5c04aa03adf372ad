package dev.integ.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One event as the log holds it: the stream id (its milliseconds are when Redis appended it), its
 * place in the chain (seq; 0 for an event from before the chain), and the user only as its HMAC.
 * Empty strings stand for "none".
 */
public record StoredEvent(String id, long seq, String time, String action, String result, String provider, String userHmac,
                          String actor, String correlation, Map<String, String> details) {
    /** The version of the JSON document {@link #toJson} makes (README, "Security events"): bumped on any incompatible change. */
    public static final int SCHEMA = 1;

    /**
     * Writing an event needs only jackson-core's generator: an ObjectMapper costs ~40 ms to build cold
     * (its date formats load locale data), on every command that records an event.
     */
    private static final JsonFactory WRITER = new JsonFactory();

    /** Built only by commands that read events back. */
    private static final class Reader {
        static final ObjectMapper JSON = new ObjectMapper();
    }

    public StoredEvent {
        details = details == null ? Map.of() : details;
    }

    static StoredEvent of(String id, Map<String, String> f) {
        long seq;
        try {
            seq = Long.parseLong(f.getOrDefault("seq", "0"));
        } catch (NumberFormatException notChained) {
            seq = 0;
        }
        return new StoredEvent(id, seq, f.getOrDefault("time", ""), f.getOrDefault("action", ""), f.getOrDefault("result", ""),
                f.getOrDefault("provider", ""), f.getOrDefault("user_hmac", ""), f.getOrDefault("actor", ""),
                f.getOrDefault("correlation", ""), parseDetails(f.get("details")));
    }

    /** Milliseconds of the stream id: when the event was appended. */
    public long millis() {
        return idMillis(id);
    }

    public Instant appended() {
        return Instant.ofEpochMilli(millis());
    }

    public boolean isAlert() {
        return action.startsWith(RedisEventLog.ALERT_PREFIX);
    }

    static long idMillis(String id) {
        int dash = id.indexOf('-');
        return Long.parseLong(dash < 0 ? id : id.substring(0, dash));
    }

    /** The document of one JSON line. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("id", id);
        m.put("seq", seq == 0 ? null : seq);
        m.put("appended", appended().toString());
        m.put("time", time);
        m.put("action", action);
        m.put("result", result);
        m.put("provider", provider.isEmpty() ? null : provider);
        m.put("user_hmac", userHmac.isEmpty() ? null : userHmac);
        m.put("actor", actor);
        m.put("correlation", correlation);
        m.put("details", new TreeMap<>(details));
        return m;
    }

    /**
     * Writes the same document as {@link #toJson} (and in its field order) to {@code out}, without
     * building maps: `events -o json` streams many.
     */
    public void writeJson(Writer out) throws IOException {
        try (JsonGenerator g = WRITER.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeNumberField("schema", SCHEMA);
            g.writeStringField("id", id);
            if (seq == 0) {
                g.writeNullField("seq");
            } else {
                g.writeNumberField("seq", seq);
            }
            g.writeStringField("appended", appended().toString());
            g.writeStringField("time", time);
            g.writeStringField("action", action);
            g.writeStringField("result", result);
            g.writeStringField("provider", provider.isEmpty() ? null : provider);
            g.writeStringField("user_hmac", userHmac.isEmpty() ? null : userHmac);
            g.writeStringField("actor", actor);
            g.writeStringField("correlation", correlation);
            g.writeObjectFieldStart("details");
            for (Map.Entry<String, String> e : new TreeMap<>(details).entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
    }

    static String detailsJson(Map<String, String> details) {
        StringWriter json = new StringWriter();
        try (JsonGenerator g = WRITER.createGenerator(json)) {
            g.writeStartObject();
            for (Map.Entry<String, String> e : new TreeMap<>(details).entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing to a string cannot fail", e);
        }
        return json.toString();
    }

    private static Map<String, String> parseDetails(String json) {
        if (json == null || json.isEmpty()) {
            return Map.of();
        }
        // integ writes a flat object of strings: read it with the streaming parser (an ObjectMapper per event is slow at scale)
        try (JsonParser p = WRITER.createParser(json)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                TreeMap<String, String> m = new TreeMap<>();
                JsonToken t;
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    if (p.nextToken() != JsonToken.VALUE_STRING) {
                        return parseAnyDetails(json);
                    }
                    m.put(name, p.getText());
                }
                if (t == JsonToken.END_OBJECT && p.nextToken() == null) {
                    return m;
                }
            }
            return parseAnyDetails(json);
        } catch (IOException notAnObject) {
            return Map.of("unparsed", json);
        }
    }

    private static Map<String, String> parseAnyDetails(String json) {
        try {
            return Reader.JSON.readValue(json, new TypeReference<TreeMap<String, String>>() { });
        } catch (IOException notAnObject) {
            return Map.of("unparsed", json);
        }
    }
}
