package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.testing.Cli;
import dev.integ.testing.OAuthFixture;
import dev.integ.testing.fakes.FakeApi;
import dev.integ.testing.fakes.FakeDriveApi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.integ.testing.VaultFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/** `integ drive ls` against the fake Drive: q escaping by Drive's grammar, paging, hostile answers. */
class DriveLsTest {
    @RegisterExtension
    static final OAuthFixture f = OAuthFixture.start();

    /** Typed --name-contains -> the exact q Drive receives. */
    private static final Map<String, String> GOLDEN = new LinkedHashMap<>();

    static {
        GOLDEN.put("R&D <ops> 'O'Brien' \\ \"x\"", "name contains 'R&D <ops> \\'O\\'Brien\\' \\\\ \"x\"' and trashed = false");
        GOLDEN.put("O'Brien", "name contains 'O\\'Brien' and trashed = false");
        GOLDEN.put("C:\\temp\\'", "name contains 'C:\\\\temp\\\\\\'' and trashed = false");
        GOLDEN.put("plan 🚀", "name contains 'plan 🚀' and trashed = false");
        GOLDEN.put("דוח שנתי", "name contains 'דוח שנתי' and trashed = false");
        GOLDEN.put("' or name contains '", "name contains '\\' or name contains \\'' and trashed = false");
    }

    @Test
    void goldenTableArrivesAsDriveLiteralsThatDecodeToExactlyWhatWasTyped() {
        f.connect("google", "alice");
        List<FakeDriveApi.File> files = new ArrayList<>();
        int i = 0;
        for (String name : GOLDEN.keySet()) {
            files.add(new FakeDriveApi.File("id" + i++, "file " + name + " end", "text/plain", "2026-01-01T00:00:00.000Z", "12"));
        }
        for (Map.Entry<String, String> row : GOLDEN.entrySet()) {
            f.google.api().clear();
            f.google.api().files(files);
            Cli.Result r = f.ok("drive", "ls", "--user", "alice", "--name-contains", row.getKey(), "-o", "json");
            List<FakeApi.Received> calls = f.google.api().received("/drive/v3/files");
            assertThat(calls).hasSize(1);
            assertThat(calls.get(0).query().get("q")).as(row.getKey()).isEqualTo(row.getValue());
            assertThat(f.google.api().parsedLiterals()).containsExactly(row.getKey());
            JsonNode doc = json(r);
            List<String> names = new ArrayList<>();
            doc.path("files").forEach(file -> names.add(file.path("name").asText()));
            assertThat(names).as(row.getKey()).contains("file " + row.getKey() + " end").hasSize(doc.path("count").asInt())
                    .allSatisfy(n -> assertThat(n).contains(row.getKey()));
        }
    }

    @Test
    void aNulIsRefusedAndAQueryIsSentAsItIs() {
        f.connect("google", "alice");
        assertThat(f.run("drive", "ls", "--user", "alice", "--name-contains", "a\u0000b").exitCode()).isEqualTo(2);
        assertThat(f.google.api().received()).isEmpty();
        f.ok("drive", "ls", "--user", "alice", "--query", "mimeType != 'application/vnd.google-apps.folder'");
        assertThat(f.google.api().received("/drive/v3/files").get(0).query().get("q"))
                .isEqualTo("mimeType != 'application/vnd.google-apps.folder'");
        Cli.Result bad = f.run("drive", "ls", "--user", "alice", "--query", "name contains 'unterminated");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("Drive refused the query: HTTP 400: Invalid Value");
    }

    @Test
    void followsNextPageTokenUpToTheLimitAskingNoMoreThanNeeded() {
        f.connect("google", "alice");
        List<FakeDriveApi.File> files = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            files.add(new FakeDriveApi.File("f" + i, "doc " + i, "application/vnd.google-apps.document", "2026-01-0" + (i + 1) + "T00:00:00Z", null));
        }
        f.google.api().files(files).maxPageSize(2);
        Cli.Result r = f.ok("drive", "ls", "--user", "alice", "--limit", "5");
        assertThat(r.out().lines().toList()).hasSize(5).first().asString().isEqualTo(
                "f0\tdoc 0\tapplication/vnd.google-apps.document\t2026-01-01T00:00:00Z\t-");
        List<FakeApi.Received> calls = f.google.api().received("/drive/v3/files");
        assertThat(calls).extracting(c -> c.query().get("pageSize")).containsExactly("5", "3", "1");
        assertThat(calls).extracting(c -> c.query().get("pageToken")).containsExactly(null, "page-2", "page-4");
        assertThat(calls.get(0).query().get("fields")).contains("nextPageToken", "files(id,name,mimeType,modifiedTime,size)");
        f.google.api().clear();
        f.ok("drive", "ls", "--user", "alice", "--limit", "5000");
        assertThat(f.google.api().received("/drive/v3/files").get(0).query().get("pageSize")).isEqualTo("1000");
        assertThat(f.run("drive", "ls", "--user", "alice", "--limit", "0").exitCode()).isEqualTo(2);
    }

    @Test
    void wrongShapesHtmlAndEndlessPagesAreClearErrors() {
        f.connect("google", "alice");
        f.google.api().answerRaw(200, "application/json", "{\"files\":\"nope\"}".getBytes(StandardCharsets.UTF_8));
        Cli.Result types = f.run("drive", "ls", "--user", "alice");
        assertThat(types.exitCode()).isEqualTo(1);
        assertThat(types.err()).contains("unexpected answer from Drive files.list: files is not a list");
        f.google.api().answerRaw(200, "application/json", "{\"files\":[{\"id\":7,\"name\":[]}]}".getBytes(StandardCharsets.UTF_8));
        assertThat(f.run("drive", "ls", "--user", "alice").err()).contains("a file without a textual id and name");
        f.google.api().answerRaw(200, "text/html", "<html>captive portal</html>".getBytes(StandardCharsets.UTF_8));
        assertThat(f.run("drive", "ls", "--user", "alice").err()).contains("unexpected answer from Drive files.list: not JSON");
        f.google.api().answerRaw(200, "application/json", "{\"files\":[],\"nextPageToken\":\"same\"}".getBytes(StandardCharsets.UTF_8));
        Cli.Result endless = f.run("drive", "ls", "--user", "alice");
        assertThat(endless.exitCode()).isEqualTo(1);
        assertThat(endless.err()).contains("Drive kept sending pages without end");
        assertThat(f.google.api().received("/drive/v3/files").size()).isLessThan(10);
        f.google.api().normal();
    }
}
