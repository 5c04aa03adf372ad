package dev.integ.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The process environment, passed in rather than read from {@link System#getenv()} so tests can run
 * many isolated integ invocations in one JVM.
 */
public record Environment(Map<String, String> variables) {

    public static Environment system() {
        return new Environment(System.getenv());
    }

    public Optional<String> get(String name) {
        String value = variables.get(name);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    public boolean isSet(String name) {
        return variables.containsKey(name);
    }

    public Path home() {
        return Path.of(get("HOME").orElse(System.getProperty("user.home")));
    }

    /** {@code $XDG_CONFIG_HOME/integ}, by default {@code ~/.config/integ}. */
    public Path configDir() {
        return xdg("XDG_CONFIG_HOME", ".config").resolve("integ");
    }

    /** {@code $XDG_DATA_HOME/integ}, by default {@code ~/.local/share/integ}. */
    public Path dataDir() {
        return xdg("XDG_DATA_HOME", ".local/share").resolve("integ");
    }

    private Path xdg(String variable, String fallbackUnderHome) {
        return get(variable).map(Path::of).filter(Path::isAbsolute).orElseGet(() -> home().resolve(fallbackUnderHome));
    }
}
