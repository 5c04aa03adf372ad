package dev.integ.store;

import java.util.HashMap;
import java.util.Map;

/** Reads the "key:value" lines of an INFO reply. */
public final class RedisInfo {
    private RedisInfo() {
    }

    public static Map<String, String> parse(String text) {
        Map<String, String> values = new HashMap<>();
        for (String line : text.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                values.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return values;
    }
}
