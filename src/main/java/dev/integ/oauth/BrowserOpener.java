package dev.integ.oauth;

import dev.integ.config.Environment;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Opens the sign-in page in the user's browser, the way other command-line tools do: {@code $BROWSER}
 * first, then {@code open} on macOS or {@code xdg-open} on a Linux desktop. Best effort: the caller
 * always prints the URL as well.
 */
public final class BrowserOpener {
    private static final File NULL_DEVICE = new File("/dev/null");

    private final Environment env;
    private final String osName;

    public BrowserOpener(Environment env) {
        this(env, System.getProperty("os.name", ""));
    }

    BrowserOpener(Environment env, String osName) {
        this.env = env;
        this.osName = osName.toLowerCase(Locale.ROOT);
    }

    /**
     * Starts a browser on the URL without waiting for it to exit.
     *
     * @return what was started, e.g. {@code $BROWSER (firefox)}, or empty when nothing could be
     */
    public Optional<String> open(URI url) {
        Optional<String> browser = env.get("BROWSER");
        if (browser.isPresent()) {
            return fromBrowserVariable(browser.get(), url.toString());
        }
        if (isMac()) {
            return launch("open", List.of("open", url.toString()));
        }
        if (isX11Like() && hasDisplay()) {
            return launch("xdg-open", List.of("xdg-open", url.toString()));
        }
        return Optional.empty();
    }

    /**
     * Why the browser is probably not on this machine (an SSH session, or a Linux box without a
     * display), so a loopback receiver here would never be reached; empty when it probably is. An
     * explicit $BROWSER wins.
     */
    public Optional<String> whyNoLocalBrowser() {
        if (env.get("BROWSER").isPresent()) {
            return Optional.empty();
        }
        for (String ssh : List.of("SSH_CONNECTION", "SSH_TTY")) {
            if (env.get(ssh).isPresent()) {
                return Optional.of("this is an SSH session (" + ssh + " is set)");
            }
        }
        if (isLinux() && !hasDisplay()) {
            return Optional.of("there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set) and no $BROWSER");
        }
        return Optional.empty();
    }

    private Optional<String> fromBrowserVariable(String value, String url) {
        // $BROWSER is a colon-separated list of commands to try; the first is the user's choice
        String first = value.split(":", -1)[0].trim();
        if (first.isEmpty()) {
            return Optional.empty();
        }
        List<String> command = new ArrayList<>();
        boolean placed = false;
        for (String word : first.split("\\s+")) {
            if (word.contains("%s")) {
                command.add(word.replace("%s", url));
                placed = true;
            } else {
                command.add(word);
            }
        }
        if (!placed) {
            command.add(url);
        }
        return launch("$BROWSER (" + command.get(0) + ")", command);
    }

    private Optional<String> launch(String description, List<String> command) {
        Optional<Path> executable = resolve(command.get(0));
        if (executable.isEmpty()) {
            return Optional.empty();
        }
        List<String> argv = new ArrayList<>(command);
        argv.set(0, executable.get().toString());
        ProcessBuilder builder = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(NULL_DEVICE))
                // a browser's chatter would land in the middle of integ's prompt
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        // the browser gets the environment integ was given (DISPLAY, PATH, ...)
        builder.environment().putAll(env.variables());
        try {
            builder.start();
            return Optional.of(description);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Looks the command up on the given environment's PATH, not the JVM's. */
    private Optional<Path> resolve(String command) {
        try {
            if (command.contains("/")) {
                Path path = Path.of(command);
                return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
            }
            for (String dir : env.get("PATH").orElse("").split(File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path candidate = Path.of(dir, command);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private boolean hasDisplay() {
        return env.get("DISPLAY").isPresent() || env.get("WAYLAND_DISPLAY").isPresent();
    }

    private boolean isMac() {
        return osName.startsWith("mac") || osName.startsWith("darwin");
    }

    private boolean isLinux() {
        return osName.contains("linux");
    }

    /** Linux and the BSDs: desktops there open URLs with xdg-open. */
    private boolean isX11Like() {
        return isLinux() || osName.contains("bsd");
    }
}
