package dev.integ.cli;

import picocli.CommandLine.Command;

@Command(name = "drive", header = "Use a stored Google credential on Drive: list files.", subcommands = {DriveLsCommand.class})
final class DriveCommand extends CommandGroup {
}
