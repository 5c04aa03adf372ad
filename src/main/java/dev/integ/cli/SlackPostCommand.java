package dev.integ.cli;

import dev.integ.Services;
import dev.integ.api.InputFiles;
import dev.integ.api.SlackMessages;
import dev.integ.api.SlackText;
import dev.integ.core.IntegException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "post", header = "Post a message to a Slack channel as the user.",
        description = {"The text arrives as typed: only &, < and > are escaped (&amp; &lt; &gt;), as Slack asks, so it cannot turn into"
                + " links or mentions. Text over Slack's 40,000-character limit is refused, or posted as several messages with --split"
                + " (cut after a line break where possible): never cut silently.",
                "A post whose answer was lost is reported as 'may have been delivered' and is not sent again.",
                "Prints the channel and the message ts (one line per part); recorded as a slack.post security event (no text)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"  0:posted", "  1:Slack refused it (the error is shown)", "  2:bad input (channel, empty or too long text, NUL)",
                "  3:channel not found, or the user is not in it", "  4:rate limited, Slack unavailable, or the answer was lost (may have been delivered)",
                "  5:the credential needs a new sign-in"})
final class SlackPostCommand extends ServiceCommand {
    @Option(names = "--user", paramLabel = "USER", converter = UserNameConverter.class, required = true, description = "Whose credential.")
    String user;

    @Option(names = "--channel", paramLabel = "CHANNEL", required = true, description = "A channel ID (C0123ABCD, G..., D...) or #name.")
    String channel;

    @ArgGroup(multiplicity = "1")
    Text text;

    static final class Text {
        @Option(names = "--text", paramLabel = "TEXT", required = true, description = "The message.")
        String inline;

        @Option(names = "--text-file", paramLabel = "FILE", required = true, description = "The message from FILE, or - for stdin (UTF-8).")
        String file;
    }

    @Option(names = "--split", description = "Post text over Slack's limit as several messages instead of refusing it.")
    boolean split;

    SlackPostCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        SlackText.channel(channel);
        String message = text.inline != null ? text.inline
                : InputFiles.text(text.file, terminal.in(), 4L * SlackText.LIMIT * (split ? 100 : 1) + 1, "--text-file");
        if (message == null) {
            throw IntegException.usage("no text", null, "give --text or --text-file");
        }
        SlackMessages.Result result = services.slackMessages().post(user, channel, message, split);
        result.warnings().forEach(terminal::warning);
        List<Map<String, Object>> rows = result.posted().stream().map(p -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("channel", p.channel());
            row.put("ts", p.ts());
            return row;
        }).toList();
        render(Map.of("messages", rows), out -> result.posted().forEach(p -> out.println(p.channel() + " " + p.ts())));
        return 0;
    }
}
