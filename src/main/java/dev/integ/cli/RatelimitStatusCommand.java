package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.Durations;
import dev.integ.ratelimit.RateLimits;
import dev.integ.ratelimit.RedisRateLimiter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "status", header = "Show the permits left and the time until full, per level; takes none.")
final class RatelimitStatusCommand extends ServiceCommand {
    @Parameters(paramLabel = "PROVIDER", description = "The provider.")
    String provider;

    @Option(names = "--user", paramLabel = "USER", converter = UserNameConverter.class, description = "Also this user's level.")
    String user;

    RatelimitStatusCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        String name = knownProvider(services, provider);
        RedisRateLimiter.Status s = services.rateLimiter().status(name, user);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("provider", name);
        doc.put("user", user);
        if (s.user() != null) {
            doc.put("per_user", level(s.user()));
        }
        doc.put("overall", level(s.provider()));
        render(doc, out -> {
            out.printf("%-9s %-10s %-10s %s%n", "LEVEL", "LIMIT", "REMAINING", "FULL IN");
            if (s.user() != null) {
                row(out, "user", s.user());
            }
            row(out, "provider", s.provider());
        });
        return 0;
    }

    private static void row(PrintWriter out, String level, RedisRateLimiter.LevelStatus s) {
        out.printf("%-9s %-10s %-10d %s%n", level, s.limit(), s.remaining(), Durations.format(s.untilFull()));
    }

    private static Map<String, Object> level(RedisRateLimiter.LevelStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("limit", s.limit().toString());
        m.put("remaining", s.remaining());
        m.put("full_in_ms", s.untilFull().toMillis());
        return m;
    }

    /**
     * A provider whose calls are limited: every built-in or configured provider (by its own name or an
     * alias), and any name with a rate-limits: entry of its own.
     */
    static String knownProvider(Services services, String provider) {
        RateLimits limits = services.settings().rateLimits();
        return services.providers().knownName(provider, "PROVIDER", limits.providers()::contains);
    }
}
