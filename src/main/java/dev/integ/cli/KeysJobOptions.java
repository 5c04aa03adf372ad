package dev.integ.cli;

import picocli.CommandLine.Option;

import java.time.Duration;

/** Options of every `keys` job that writes: made for cron. */
final class KeysJobOptions {
    @Option(names = "--dry-run", description = "Say what would change; change nothing.")
    boolean dryRun;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "20s",
            description = "How long to wait for another keys job to finish before exiting with 4 (retry later). Default: ${DEFAULT-VALUE}.")
    Duration wait;
}
