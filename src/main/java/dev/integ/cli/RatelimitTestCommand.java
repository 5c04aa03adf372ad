package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.Durations;
import dev.integ.core.IntegException;
import dev.integ.core.Printable;
import dev.integ.ratelimit.RateLimitTrial;
import dev.integ.ratelimit.RedisRateLimiter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.UUID;

@Command(name = "test", header = "Fire checks through the real limiter as fast as it answers; count allowed and denied.",
        description = {"Without --dry-run the checks use (and spend) the real budget, as provider calls would."})
final class RatelimitTestCommand extends ServiceCommand {
    @Parameters(paramLabel = "PROVIDER", description = "The provider whose limits to try.")
    String provider;

    @Option(names = "--user", paramLabel = "USER", converter = UserNameConverter.class, required = true, description = "The user whose limit to try.")
    String user;

    @Option(names = "-n", paramLabel = "N", defaultValue = "100", description = "How many checks. Default: ${DEFAULT-VALUE}.")
    int checks;

    @Option(names = "--concurrency", paramLabel = "THREADS", defaultValue = "4",
            description = "Threads firing at once, 1 to 8. Default: ${DEFAULT-VALUE}.")
    int concurrency;

    @Option(names = "--dry-run", description = "Use scratch keys with the same limits; the real budget is untouched.")
    boolean dryRun;

    RatelimitTestCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        String name = RatelimitStatusCommand.knownProvider(services, provider);
        if (checks < 1 || checks > 10_000_000) {
            throw IntegException.usage("invalid -n " + checks, "give 1 to 10,000,000 checks", null);
        }
        if (concurrency < 1 || concurrency > 8) {
            throw IntegException.usage("invalid --concurrency " + concurrency, "give 1 to 8 threads", null);
        }
        RedisRateLimiter real = services.rateLimiter();
        RedisRateLimiter limiter = dryRun ? real.scratch(UUID.randomUUID().toString().substring(0, 8)) : real;
        var progress = terminal.progress("checks");
        RateLimitTrial.Result r;
        try {
            r = new RateLimitTrial(limiter).run(name, user, checks, concurrency, done -> progress.update(done, checks));
        } finally {
            terminal.progressDone();
            if (dryRun) {
                limiter.reset(name, null);
            }
        }
        render(r, out -> {
            out.printf("%d checks of %s/%s from %d thread%s in %s (%,d checks/s)%s%n", r.checks(), r.provider(), Printable.escape(r.user()), r.concurrency(),
                    r.concurrency() == 1 ? "" : "s", Durations.format(r.elapsed().withNanos(r.elapsed().getNano() / 1_000_000 * 1_000_000)),
                    r.checksPerSecond(), dryRun ? " on scratch keys" : "");
            out.printf("allowed %d, denied %d%n", r.allowed(), r.denied());
            if (r.firstDenial() > 0) {
                out.printf("first denial: check #%d, by the %s limit, retry after %s%n", r.firstDenial(), r.firstDeniedBy(),
                        Durations.format(r.firstRetryAfter()));
            }
        });
        return 0;
    }
}
