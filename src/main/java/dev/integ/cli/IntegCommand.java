package dev.integ.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The top command. Its subcommands are registered by CommandLineFactory: only those an invocation needs. */
@Command(name = "integ",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        header = "Connects a company's accounts on external services and keeps their credentials safe.",
        description = {
                "Settings come from, in this order: flags, then environment variables, then the config file "
                        + "($XDG_CONFIG_HOME/integ/config.yaml), then built-in defaults.",
                "Without --redis (or INTEG_REDIS_URL, or redis.url in the config file) integ keeps its data in a private "
                        + "embedded Redis that it starts on demand; 'integ store status' shows it."})
public final class IntegCommand extends CommandGroup {

    @Mixin
    GlobalOptions global;
}
