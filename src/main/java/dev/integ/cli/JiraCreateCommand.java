package dev.integ.cli;

import dev.integ.Services;
import dev.integ.api.InputFiles;
import dev.integ.api.JiraIssues;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "create", header = "Create a Jira issue as the user; print its key and browse URL.",
        description = {"On the site recorded at connect (--site when the grant reaches several; a credential imported without one looks"
                + " its sites up through accessible-resources). The summary must be one line of at most 255 characters: refused, never"
                + " cut. The description becomes an Atlassian Document: a paragraph per blank-line-separated block.",
                "Jira's field errors are shown field by field. A create whose answer was lost is reported as 'may have been created'"
                        + " and not sent again. Recorded as a jira.create security event (no text)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"  0:created", "  1:Jira failed", "  2:bad input, or Jira refused a field (shown)", "  3:no such project or site, or denied",
                "  4:rate limited, Jira unavailable, or the answer was lost", "  5:the credential needs a new sign-in"})
final class JiraCreateCommand extends ServiceCommand {
    @Option(names = "--user", paramLabel = "USER", converter = UserNameConverter.class, required = true, description = "Whose credential.")
    String user;

    @Option(names = "--project", paramLabel = "KEY", required = true, description = "The project key (OPS).")
    String project;

    @Option(names = "--summary", paramLabel = "TEXT", required = true, description = "One line, at most 255 characters.")
    String summary;

    @ArgGroup(multiplicity = "0..1")
    Description description;

    static final class Description {
        @Option(names = "--description", paramLabel = "TEXT", required = true, description = "Plain text; blank lines separate paragraphs.")
        String inline;

        @Option(names = "--description-file", paramLabel = "FILE", required = true, description = "The description from FILE, or - for stdin.")
        String file;
    }

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "Task", description = "The issue type (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--site", paramLabel = "SITE", description = "The site's cloud id, name or host, when the grant reaches several.")
    String site;

    JiraCreateCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        String text = description == null ? null : description.inline != null ? description.inline
                : InputFiles.text(description.file, terminal.in(), 4L * JiraIssues.DESCRIPTION_LIMIT, "--description-file");
        JiraIssues.Created created = services.jiraIssues().create(user, project, summary, text, type, site);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("key", created.key());
        doc.put("id", created.id());
        doc.put("url", created.browseUrl());
        render(doc, out -> out.println(created.key() + (created.browseUrl().isEmpty() ? "" : " " + created.browseUrl())));
        return 0;
    }
}
