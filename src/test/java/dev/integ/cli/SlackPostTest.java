package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.testing.Cli;
import dev.integ.testing.OAuthFixture;
import dev.integ.testing.fakes.FakeApi;
import dev.integ.testing.fakes.FakeSlackApi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.integ.testing.VaultFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/** `integ slack post` against the fake Slack: exact request bodies, refusals before any call, lost answers never re-sent. */
class SlackPostTest {
    @RegisterExtension
    static final OAuthFixture f = OAuthFixture.start();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Typed text -> the exact text field of the request Slack receives. */
    private static final Map<String, String> GOLDEN = Map.of(
            "R&D <ops> 'O'Brien' \\ \"x\"", "R&amp;D &lt;ops&gt; 'O'Brien' \\ \"x\"",
            "deploy 🚀 done ✅", "deploy 🚀 done ✅",
            "שלום עולם \u202Eabc", "שלום עולם \u202Eabc",
            "<@U123> &amp; <!channel>", "&lt;@U123&gt; &amp;amp; &lt;!channel&gt;",
            "line one\nline two\t*bold*", "line one\nline two\t*bold*");

    @Test
    void goldenTableArrivesExactlyAsTypedModuloSlacksEscaping() throws Exception {
        f.connect("slack", "alice");
        for (Map.Entry<String, String> row : GOLDEN.entrySet()) {
            f.slack.api().clear();
            Cli.Result r = f.ok("slack", "post", "--user", "alice", "--channel", "C0GENERAL", "--text", row.getKey());
            List<FakeApi.Received> calls = f.slack.api().received("/api/chat.postMessage");
            assertThat(calls).as(row.getKey()).hasSize(1);
            JsonNode body = JSON.readTree(calls.get(0).body());
            assertThat(body.path("text").asText()).as(row.getKey()).isEqualTo(row.getValue());
            assertThat(body.path("channel").asText()).isEqualTo("C0GENERAL");
            assertThat(body.size()).isEqualTo(2);
            assertThat(calls.get(0).headers().get("Content-type")).containsExactly("application/json; charset=utf-8");
            assertThat(r.out()).matches("C0GENERAL \\d+\\.\\d{6}\\n");
        }
    }

    @Test
    void aNulByteIsRefusedBeforeAnyCall() {
        f.connect("slack", "alice");
        Cli.Result r = f.run("slack", "post", "--user", "alice", "--channel", "C0GENERAL", "--text", "a\u0000b");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("NUL character (U+0000) at position 1", "Slack cannot take it");
        assertThat(f.slack.api().received()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"C|GENERAL", "general", "#General", "C0GEN", "'#a b'", "X0GENERALX"})
    void aBadChannelIsRefusedBeforeAnyCall(String channel) {
        f.connect("slack", "alice");
        Cli.Result r = f.run("slack", "post", "--user", "alice", "--channel", channel, "--text", "hi");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("invalid --channel");
        assertThat(f.slack.api().received()).isEmpty();
    }

    @Test
    void aChannelByNameAndSlacksOkFalseOverHttp200() {
        f.connect("slack", "alice");
        assertThat(f.ok("slack", "post", "--user", "alice", "--channel", "#random", "--text", "hi", "-o", "json").out())
                .contains("\"channel\" : \"C0RANDOM\"");
        Cli.Result r = f.run("slack", "post", "--user", "alice", "--channel", "C0NOWHERE1", "--text", "hi");
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.err()).contains("Slack did not post to C0NOWHERE1: channel_not_found");
    }

    @Test
    void aLostAnswerIsMayHaveBeenDeliveredAndNeverPostedTwice() {
        f.connect("slack", "alice");
        f.slack.api().dropNextAnswers(1);
        Cli.Result r = f.run("slack", "post", "--user", "alice", "--channel", "C0GENERAL", "--text", "once");
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.err()).contains("may have been delivered", "check C0GENERAL before posting again");
        assertThat(f.slack.api().received("/api/chat.postMessage")).hasSize(1);
        assertThat(f.slack.api().posted()).extracting(FakeSlackApi.Posted::text).containsExactly("once");
    }

    @Test
    void rateLimitedPostsAreSentAgainAfterRetryAfterAndPostOnce() {
        f.connect("slack", "alice");
        f.slack.api().failNext(1, 429, Duration.ofSeconds(1));
        f.ok("slack", "post", "--user", "alice", "--channel", "C0GENERAL", "--text", "once");
        assertThat(f.slack.api().received("/api/chat.postMessage")).hasSize(2);
        assertThat(f.slack.api().posted()).hasSize(1);
    }

    @Test
    void overTheLimitIsRefusedOrSplitNeverCut() {
        f.connect("slack", "alice");
        String line = "x".repeat(99) + "\n";
        String text = line.repeat(400) + "&&";
        Cli.Result refused = f.vault.runWithInput(text, "slack", "post", "--user", "alice", "--channel", "C0GENERAL", "--text-file", "-");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("40010 characters once escaped", "--split");
        assertThat(f.slack.api().received()).isEmpty();

        Cli.Result split = f.vault.runWithInput(text, "slack", "post", "--user", "alice", "--channel", "C0GENERAL", "--text-file", "-",
                "--split");
        assertThat(split.exitCode()).as(split.err()).isZero();
        List<FakeSlackApi.Posted> posted = f.slack.api().posted();
        assertThat(posted).hasSize(2);
        assertThat(posted.get(0).text()).hasSize(40_000 - 100 + 100).endsWith("\n");
        assertThat(posted.get(0).text() + posted.get(1).text()).isEqualTo(text.replace("&", "&amp;"));
        assertThat(posted).allSatisfy(p -> assertThat(p.text().length()).isLessThanOrEqualTo(40_000));
        assertThat(json(f.ok("events", "--provider", "slack", "-o", "json", "--action", "slack.post")).toString()).doesNotContain("xxxx");
    }
}
