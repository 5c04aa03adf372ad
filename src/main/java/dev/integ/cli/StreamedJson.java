package dev.integ.cli;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * One JSON object written while a bulk job runs: its lists first, entry by entry as the job finds
 * them, its totals last. However many entries there are, memory stays flat. A job that fails part way
 * leaves the document unfinished on stdout and exits non-zero, as `list` does.
 *
 * <p>Values are plain (strings, numbers, booleans and null) or maps of them.
 */
final class StreamedJson {
    private final Terminal terminal;
    private JsonGenerator json;
    private String openList;

    StreamedJson(Terminal terminal) {
        this.terminal = terminal;
    }

    /** Appends {@code entry} to the list {@code field}; lists are written one after another, never interleaved. */
    void add(String field, Map<String, ?> entry) {
        try {
            start();
            if (!field.equals(openList)) {
                closeList();
                json.writeArrayFieldStart(field);
                openList = field;
            }
            writeObject(entry);
            json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the totals and ends the document. */
    void finish(Map<String, ?> fields) {
        try {
            start();
            closeList();
            for (Map.Entry<String, ?> f : fields.entrySet()) {
                json.writeFieldName(f.getKey());
                json.writeObject(f.getValue());
            }
            json.writeEndObject();
            json.writeRaw('\n');
            json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void start() throws IOException {
        if (json == null) {
            json = terminal.jsonGenerator().useDefaultPrettyPrinter();
            json.writeStartObject();
        }
    }

    private void closeList() throws IOException {
        if (openList != null) {
            json.writeEndArray();
            openList = null;
        }
    }

    private void writeObject(Map<String, ?> entry) throws IOException {
        json.writeStartObject();
        for (Map.Entry<String, ?> f : entry.entrySet()) {
            json.writeFieldName(f.getKey());
            if (f.getValue() instanceof Map<?, ?> nested) {
                @SuppressWarnings("unchecked")
                Map<String, ?> object = (Map<String, ?>) nested;
                writeObject(object);
            } else {
                json.writeObject(f.getValue());
            }
        }
        json.writeEndObject();
    }
}
