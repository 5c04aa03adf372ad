package dev.integ.cli;

import dev.integ.Services;
import dev.integ.api.ApiResponse;
import dev.integ.api.InputFiles;
import dev.integ.api.RawCalls;
import dev.integ.core.ProviderName;
import dev.integ.http.OutboundHttp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

@Command(name = "api", header = "Make an authenticated request to a provider's API and print the answer.",
        description = {"Like `gh api` for GitHub: the stored credential of USER is used (refreshed first if it expires within a minute,"
                + " and refreshed once more if the provider says it expired), through integ's rate limits and retry rules.",
                "PATH is relative to the provider's api-base-url (slack: chat.postMessage, google: drive/v3/files,"
                        + " jira: ex/jira/CLOUDID/rest/api/3/myself); a full URL must lie under it: the token is sent nowhere else.",
                "-f fields go into the query of a GET and into a JSON object body otherwise (-X POST -f channel=C123 -f text=hi). The answer is printed as it came"
                        + " (JSON indented on a terminal); a non-2xx answer, or Slack's ok:false, is printed too and exits 1.",
                "Every call is recorded as an api.call security event: method, host, path (ids replaced), status, duration; never a body,"
                        + " a query value or a token."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"  0:success", "  1:the provider answered with an error (printed on stdout, summarised on stderr)",
                "  2:bad input (a URL outside the API base, a reserved header)", "  4:rate limited, provider unavailable, timed out",
                "  5:the credential was refused or needs a new sign-in"})
final class ApiCommand extends ServiceCommand {

    @Parameters(index = "0", paramLabel = "PROVIDER", description = "The provider (built in or configured).")
    String provider;

    @Parameters(index = "1", paramLabel = "PATH_OR_URL", description = "Relative to the provider's api-base-url, or a full URL under it.")
    String path;

    @Option(names = "--user", paramLabel = "USER", converter = UserNameConverter.class,
            description = "Whose credential (default: the only one stored for PROVIDER).")
    String user;

    @Option(names = {"-X", "--method"}, paramLabel = "METHOD", description = "HTTP method (default: GET, or POST with --input).")
    String method;

    @Option(names = {"-f", "--field"}, paramLabel = "KEY=VALUE", description = "A parameter: in the query of a GET, else in a JSON body.")
    List<String> fields = new ArrayList<>();

    @Option(names = "--input", paramLabel = "FILE", description = "The request body from FILE, or - for stdin (at most 8 MiB).")
    String input;

    @Option(names = {"-H", "--header"}, paramLabel = "NAME: VALUE", description = "An extra request header (not Authorization).")
    List<String> headers = new ArrayList<>();

    @Option(names = "--paginate", description = "Follow the provider's page cursor (Slack next_cursor, Google nextPageToken,"
            + " Atlassian startAt/isLast) and print every page.")
    boolean paginate;

    @Option(names = "--max-pages", paramLabel = "N", defaultValue = "1000",
            description = "With --paginate, stop with an error after N pages (default: ${DEFAULT-VALUE}).")
    int maxPages;

    ApiCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        String name = services.providers().resolve(ProviderName.require(provider, "PROVIDER")).name();
        byte[] body = input == null ? null : InputFiles.bytes(input, terminal.in(), OutboundHttp.MAX_ANSWER_BYTES, "--input");
        String who = user != null ? user : services.vault().soleUser(name);
        RawCalls.Call call = new RawCalls.Call(name, who, method, path, fields, headers, body, paginate, maxPages);
        services.rawCalls().run(call, this::print);
        return 0;
    }

    /** Each page as it comes: indented JSON for a person, the bytes as sent for a pipe or -o json. */
    private void print(ApiResponse page) {
        if (page.warning() != null) {
            terminal.warning(page.warning());
        }
        if (page.body().isEmpty()) {
            return;
        }
        if (terminal.interactive() && !json() && page.isJson()) {
            terminal.printJson(page.json());
        } else {
            terminal.out().println(page.body());
            terminal.out().flush();
        }
    }
}
