package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.testing.Cli;
import dev.integ.testing.OAuthFixture;
import dev.integ.testing.fakes.FakeAtlassian;
import dev.integ.testing.fakes.FakeApi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static dev.integ.testing.VaultFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/** `integ jira create` against the fake Jira Cloud: exact ADF bodies, refusals before any call, field errors, sites. */
class JiraCreateTest {
    @RegisterExtension
    static final OAuthFixture f = OAuthFixture.start();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRICKY = "R&D <ops> 'O'Brien' \\ \"x\"";

    private JsonNode lastBody() throws Exception {
        List<FakeApi.Received> calls = f.jira.api().received("/rest/api/3/issue");
        assertThat(calls).isNotEmpty();
        return JSON.readTree(calls.get(calls.size() - 1).body());
    }

    @Test
    void goldenBodiesTrickyTextArrivesAsTypedInAdfParagraphs() throws Exception {
        f.connect("jira", "alice");
        Cli.Result r = f.ok("jira", "create", "--user", "alice", "--project", "OPS", "--summary", TRICKY + " 🚀 שלום",
                "--description", TRICKY + "\nsecond line 🚀\n\n\nשלום עולם\n");
        assertThat(r.out()).isEqualTo("OPS-1 https://acme.atlassian.net/browse/OPS-1\n");
        String expected = """
                {"fields":{"project":{"key":"OPS"},"summary":"R&D <ops> 'O'Brien' \\\\ \\"x\\" 🚀 שלום","issuetype":{"name":"Task"},\
                "description":{"type":"doc","version":1,"content":[\
                {"type":"paragraph","content":[{"type":"text","text":"R&D <ops> 'O'Brien' \\\\ \\"x\\""},{"type":"hardBreak"},\
                {"type":"text","text":"second line 🚀"}]},\
                {"type":"paragraph","content":[{"type":"text","text":"שלום עולם"}]}]}}}""";
        assertThat(lastBody()).isEqualTo(JSON.readTree(expected));
        List<FakeApi.Received> calls = f.jira.api().received("/rest/api/3/issue");
        assertThat(calls.get(0).path()).isEqualTo("/ex/jira/" + FakeAtlassian.DEFAULT_SITE.id() + "/rest/api/3/issue");
        assertThat(f.jira.api().created()).hasSize(1);
    }

    @Test
    void badInputIsRefusedBeforeAnyCall() {
        f.connect("jira", "alice");
        String long256 = "é".repeat(255) + "x";
        for (String[] args : List.of(
                new String[] {"--project", "OPS", "--summary", long256},
                new String[] {"--project", "OPS", "--summary", "a\u0000b"},
                new String[] {"--project", "OPS", "--summary", "two\nlines"},
                new String[] {"--project", "OPS", "--summary", "   "},
                new String[] {"--project", "ops", "--summary", "x"},
                new String[] {"--project", "OPS", "--summary", "x", "--description", "nul \u0000 here"})) {
            String[] all = new String[args.length + 4];
            all[0] = "jira";
            all[1] = "create";
            all[2] = "--user";
            all[3] = "alice";
            System.arraycopy(args, 0, all, 4, args.length);
            Cli.Result r = f.run(all);
            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(2);
        }
        assertThat(f.run("jira", "create", "--user", "alice", "--project", "OPS", "--summary", long256).err())
                .contains("the summary is 256 characters", "at most 255; nothing was cut");
        assertThat(f.jira.api().received()).isEmpty();
        // 255 characters, emoji counted as one each, is fine
        f.ok("jira", "create", "--user", "alice", "--project", "OPS", "--summary", "🚀".repeat(255));
    }

    @Test
    void jirasFieldErrorsAreShownFieldByField() {
        f.connect("jira", "alice");
        Cli.Result r = f.run("jira", "create", "--user", "alice", "--project", "NOPE", "--summary", "x", "--type", "Epic");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Jira refused the issue: HTTP 400: project: Specify a valid project ID or key; issuetype: Specify a valid issue type");
    }

    @Test
    void aLostAnswerIsMayHaveBeenCreatedAndNotSentAgain() {
        f.connect("jira", "alice");
        f.jira.api().dropNextAnswers(1);
        Cli.Result r = f.run("jira", "create", "--user", "alice", "--project", "OPS", "--summary", "once");
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.err()).contains("the issue in OPS may have been created");
        assertThat(f.jira.api().received("/rest/api/3/issue")).hasSize(1);
    }

    @Test
    void severalSitesNeedSiteAndAnImportedCredentialLooksItsSiteUp() {
        FakeAtlassian.Site beta = new FakeAtlassian.Site("2b2b2b2b-0000-4000-8000-000000000002", "beta", "https://beta.atlassian.net");
        f.jira.sites(FakeAtlassian.DEFAULT_SITE, beta);
        try {
            f.connect("jira", "alice");
            Cli.Result which = f.run("jira", "create", "--user", "alice", "--project", "OPS", "--summary", "x");
            assertThat(which.exitCode()).isEqualTo(2);
            assertThat(which.err()).contains("reaches 2 sites", "--site", "beta");
            JsonNode created = json(f.ok("jira", "create", "--user", "alice", "--project", "OPS", "--summary", "x", "--site", "beta", "-o", "json"));
            assertThat(created.path("url").asText()).startsWith("https://beta.atlassian.net/browse/OPS-");
            assertThat(f.jira.api().received("/rest/api/3/issue").get(0).path()).contains(beta.id());

            f.jira.sites(beta);
            f.vault.okWithInput("{\"provider\":\"jira\",\"user\":\"dave\",\"access_token\":\"" + f.jira.latestAccessToken()
                    + "\",\"expires_in\":3600}\n", "import", "--file", "-");
            f.jira.api().clear();
            assertThat(f.ok("jira", "create", "--user", "dave", "--project", "OPS", "--summary", "y").out()).contains("https://beta.atlassian.net/browse/");
            assertThat(f.jira.api().received("/rest/api/3/issue")).hasSize(1);
        } finally {
            f.jira.sites(FakeAtlassian.DEFAULT_SITE);
        }
    }
}
