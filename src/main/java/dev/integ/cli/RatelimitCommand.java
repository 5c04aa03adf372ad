package dev.integ.cli;

import picocli.CommandLine.Command;

@Command(name = "ratelimit", header = "Inspect and try the rate limits every provider call goes through.",
        description = {"Two levels, both enforced, kept in Redis so every integ process and machine shares them: "
                + "each user of a provider, and the provider overall. Defaults: google 1000/100s, slack 50/1m, jira 300/1m "
                + "per user, 1000/1m overall; set others under rate-limits: in the config file, e.g. "
                + "'slack: {per-user: 50/1m, overall: 1000/1m}'."},
        subcommands = {RatelimitTestCommand.class, RatelimitStatusCommand.class, RatelimitResetCommand.class})
final class RatelimitCommand extends CommandGroup {
}
