package dev.integ.cli;

import picocli.CommandLine.Command;

@Command(name = "jira", header = "Use a stored Jira credential: create an issue.", subcommands = {JiraCreateCommand.class})
final class JiraCommand extends CommandGroup {
}
