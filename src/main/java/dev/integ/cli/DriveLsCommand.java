package dev.integ.cli;

import dev.integ.Services;
import dev.integ.api.DriveFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "ls", header = "List Drive files the user can see: id, name, type, modified time, size.",
        description = {"--name-contains finds files whose name contains the text (Drive matches word prefixes); the text goes into"
                + " Drive's query as a literal escaped by Drive's rules (\\ and '), never stripped. --query passes a Drive query as it is.",
                "Follows nextPageToken up to --limit, asking at most 1000 a page. Recorded as drive.list security events (no query)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"  0:listed", "  1:Drive failed, or answered something unexpected", "  2:bad input, or Drive refused the query",
                "  3:denied (scopes)", "  4:rate limited, Drive unavailable", "  5:the credential needs a new sign-in"})
final class DriveLsCommand extends ServiceCommand {
    @Option(names = "--user", paramLabel = "USER", converter = UserNameConverter.class, required = true, description = "Whose credential.")
    String user;

    @Option(names = "--query", paramLabel = "Q", description = "A Drive search query, sent as it is.")
    String query;

    @Option(names = "--name-contains", paramLabel = "TEXT", description = "Files whose name contains TEXT (not in the trash).")
    String nameContains;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N files (default: ${DEFAULT-VALUE}).")
    int limit;

    DriveLsCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        StreamedJson doc = json() ? new StreamedJson(terminal) : null;
        int listed = services.driveFiles().list(user, query, nameContains, limit, file -> {
            if (doc != null) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", file.id());
                row.put("name", file.name());
                row.put("mime_type", file.mimeType());
                row.put("modified_time", file.modifiedTime());
                row.put("size", file.size());
                doc.add("files", row);
            } else if (!terminal.quiet()) {
                terminal.out().println(String.join("\t", file.id(), TerminalText.safe(file.name()), file.mimeType(), file.modifiedTime(),
                        file.size() == null ? "-" : file.size()));
                terminal.out().flush();
            }
        });
        if (doc != null) {
            doc.finish(Map.of("count", listed));
        }
        return 0;
    }
}
