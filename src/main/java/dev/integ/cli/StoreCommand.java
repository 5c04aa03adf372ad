package dev.integ.cli;

import picocli.CommandLine.Command;


@Command(name = "store",
        header = "Show the store in use; start or stop the embedded one; print Redis ACL roles.",
        description = {"Without --redis, integ keeps its data in a private Redis under $XDG_DATA_HOME/integ/redis: "
                + "a unix socket in that directory only (no TCP), a random password, an append-only file synced on every write. "
                + "It runs the redis-server (else valkey-server) on PATH, else the fallback bundled in integ, starts on demand and keeps running between invocations."},
        subcommands = {StoreStatusCommand.class, StoreStartCommand.class, StoreStopCommand.class, StoreAclCommand.class})
final class StoreCommand extends CommandGroup {
}
