package dev.integ.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.integ.core.Echo;
import dev.integ.core.IntegException;
import dev.integ.core.SmallFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** Reads the config file. Jackson is only loaded when a file is actually there. */
public final class ConfigLoader {
    /**
     * The largest config file read. Real ones are a few KiB; the bound is checked while reading, before
     * parsing (the YAML parser is quadratic in the length of one value), so /dev/zero or a file of
     * megabytes is refused at once with exit 2.
     */
    public static final int MAX_BYTES = 1 << 20;

    private ConfigLoader() {
    }

    /**
     * @param explicit true when the user named the file (flag or INTEG_CONFIG): then it must exist.
     */
    public static ConfigFile load(Path path, boolean explicit) {
        if (!explicit && !Files.exists(path)) {
            return ConfigFile.EMPTY;
        }
        String text;
        try {
            text = SmallFiles.read(path, MAX_BYTES, "config file");
        } catch (NoSuchFileException e) {
            throw IntegException.usage("config file " + path + " does not exist", null,
                    "create it, or drop --config / INTEG_CONFIG to use the default location");
        } catch (IOException e) {
            throw IntegException.usage("cannot read config file " + path, e.getClass().getSimpleName() + " " + Echo.of(e.getMessage()), null);
        }
        if (text.isBlank()) {
            return ConfigFile.EMPTY;
        }
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
                .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        try {
            ConfigFile file = yaml.readValue(text, ConfigFile.class);
            return file == null ? ConfigFile.EMPTY : file;
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
            throw IntegException.usage("bad config file " + path,
                    "unknown key '" + Echo.of(e.getPropertyName()) + "'" + keyLine(text, e.getPropertyName()), "known keys here: " + known);
        } catch (JsonProcessingException e) {
            // Jackson's message may quote a value of any length: at most a line's worth of it is repeated
            throw IntegException.usage("bad config file " + path, Echo.of(firstLine(e.getOriginalMessage()), 200) + at(e.getLocation()),
                    "fix the YAML (see 'Configuration' in README.md)");
        }
    }

    /**
     * Jackson buffers a record's properties before it rejects one, so its location points past the
     * key; the key's own line is easy to find in the text.
     */
    private static String keyLine(String text, String key) {
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("^\\s*" + java.util.regex.Pattern.quote(key) + "\\s*:");
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (line.matcher(lines[i]).find()) {
                return " (line " + (i + 1) + ")";
            }
        }
        return "";
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "not valid YAML";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
