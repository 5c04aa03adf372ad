package dev.integ.oauth;

import java.util.Locale;
import java.util.Set;

/**
 * Keeps Jetty's logging at WARN or quieter. At DEBUG Jetty logs request lines, and a redirect's
 * request line carries the authorization code; at INFO it prints a banner on every start.
 * slf4j-simple reads a logger's level when the logger is made, so this must run before Jetty's
 * classes are first used.
 */
final class JettyLogging {
    private static final String JETTY_LEVEL = "org.slf4j.simpleLogger.log.org.eclipse.jetty";
    private static final String DEFAULT_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";
    private static final Set<String> CHATTY = Set.of("trace", "debug", "info");

    private JettyLogging() {
    }

    static void quiet() {
        if (System.getProperty(JETTY_LEVEL) != null) {
            return;
        }
        // slf4j-simple's own default is info
        String level = System.getProperty(DEFAULT_LEVEL, "info").toLowerCase(Locale.ROOT);
        if (CHATTY.contains(level)) {
            System.setProperty(JETTY_LEVEL, "warn");
        }
    }
}
