package dev.integ.cli;

import picocli.CommandLine.Command;

@Command(name = "slack", header = "Use a stored Slack credential: post a message.", subcommands = {SlackPostCommand.class})
final class SlackCommand extends CommandGroup {
}
