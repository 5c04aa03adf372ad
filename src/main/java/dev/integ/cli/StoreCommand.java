package dev.integ.cli;

import dev.integ.core.ExitCode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "store",
        header = "Show the store in use; start or stop the embedded one.",
        description = {"Without --redis, integ keeps its data in a private Redis under $XDG_DATA_HOME/integ/redis: "
                + "127.0.0.1 only, a random password, an append-only file synced on every write. It starts on demand "
                + "and keeps running between invocations."},
        subcommands = {StoreStatusCommand.class, StoreStartCommand.class, StoreStopCommand.class})
final class StoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE.code();
    }
}
