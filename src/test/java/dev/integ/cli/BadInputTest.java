package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.testing.Cli;
import dev.integ.testing.VaultFixture;
import dev.integ.vault.Credential;
import dev.integ.vault.Secrets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.resps.StreamEntry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.integ.testing.VaultFixture.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Every bad input the adversarial run of issue 15 found, through the real CLI: each is answered with
 * one error line (and maybe a hint) naming what was wrong and the limit or the accepted range, the
 * documented exit code, no stack trace, in bounded time (a generous hang guard, not a speed test),
 * having read a bounded part of an endless input, and having written nothing but the expected failure
 * event.
 */
class BadInputTest {
    /** Only a guard against hangs (a quadratic parser, reading /dev/zero to the end); the machine may be slow. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(10);
    /** Any control character, C1 or bidi override/isolate that must never reach a terminal raw (line breaks aside). */
    private static final Pattern RAW_CONTROL = Pattern.compile("[\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]");

    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();
    private static Path files;

    @BeforeAll
    static void setUp() throws IOException {
        files = Files.createDirectories(vault.directory().resolve("bad-input"));
        // connect reaches the paste prompt without any provider round trip: slack's endpoints are built in
        vault.cli().env("SLACK_CLIENT_ID", "client-id").env("SLACK_CLIENT_SECRET", "client-secret");
    }

    @BeforeEach
    void freshStore() {
        vault.reset();
        vault.okWithInput("{\"provider\":\"slack\",\"user\":\"alice\",\"access_token\":\"xoxb-a\"}\n", "import", "--file", "-");
    }

    /**
     * One bad input.
     *
     * @param stdin     standard input, made fresh per run (an endless generator where the input is huge)
     * @param exit      the documented exit code
     * @param message   what the error line says (a fragment)
     * @param events    the security events the command may record: none, or its failure
     * @param errorLines its error lines: one, or one per invalid import line and the verdict
     */
    record Case(String name, Supplier<String[]> args, Supplier<Counted> stdin, int exit, String message, List<String> events, int errorLines) {
        Case(String name, Supplier<String[]> args, Supplier<Counted> stdin, int exit, String message, List<String> events) {
            this(name, args, stdin, exit, message, events, 1);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> badInputs() {
        return Stream.of(
                new Case("--config /dev/zero", () -> args("--config", "/dev/zero", "providers"), Counted::empty, 2,
                        "the config file /dev/zero is larger than 1 MiB, the most integ reads from one", List.of()),
                new Case("a config file of 2 MB", () -> args("--config", file("big.yaml", "namespace: " + "a".repeat(2_000_000) + "\n").toString(),
                        "providers"), Counted::empty, 2, "is larger than 1 MiB", List.of()),
                new Case("a 1 MB config value is echoed in 80 characters", () -> args("--config",
                        file("value.yaml", "namespace: " + "a".repeat(1_000_000) + "\n").toString(), "providers"), Counted::empty, 2,
                        "invalid namespace '" + "a".repeat(80) + "…(1000000 bytes)'", List.of()),
                new Case("import --file /dev/zero --dry-run", () -> args("import", "--file", "/dev/zero", "--dry-run"), Counted::empty, 2,
                        "/dev/zero: line 1 is longer than 65536 characters, the longest line integ reads", List.of()),
                new Case("import of a binary file", () -> args("import", "--file", binaryFile().toString()), Counted::empty, 2,
                        "line 1 is not UTF-8 text", List.of()),
                new Case("import of one 50 MB line", () -> args("import", "--file", "-", "--dry-run"),
                        () -> Counted.of("{\"provider\":\"slack\",\"user\":\"u\",\"access_token\":\"", 'a', 50_000_000L, "\"}\n"), 2,
                        "standard input: line 1 is longer than 65536 characters", List.of()),
                new Case("import of a provider neither built in nor configured", () -> args("import", "--file", "-"),
                        () -> Counted.text("{\"provider\":\"nosuch\",\"user\":\"u\",\"access_token\":\"x\"}\n"), 2,
                        "line 1: unknown provider 'nosuch': known providers: slack, google, jira", List.of("import.failure"), 2),
                new Case("a 2.5 GB paste to connect --manual", () -> args("connect", "slack", "--user", "bob", "--manual", "--no-browser"),
                        () -> Counted.of("", 'a', 2_500_000_000L, "\n"), 2,
                        "the pasted address: line 1 is longer than 16384 characters", List.of("connect.start", "connect.failure")),
                new Case("token --min-valid 9999999999999d", () -> args("token", "slack", "--user", "alice", "--min-valid", "9999999999999d"),
                        Counted::empty, 2, "invalid duration '9999999999999d': it is too long: give one from 0s to 36500d (100 years)", List.of()),
                new Case("events --since 5000000d", () -> args("events", "--since", "5000000d"), Counted::empty, 2,
                        "invalid --since '5000000d'", List.of()),
                new Case("events --until past year 9999", () -> args("events", "--until", "+20000-01-01T00:00:00Z"), Counted::empty, 2,
                        "give a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z", List.of()),
                new Case("a bad duration option", () -> args("connect", "slack", "--user", "bob", "--timeout", "abc"), Counted::empty, 2,
                        "Invalid value for option '--timeout': invalid duration 'abc': expected a number and a unit", List.of()),
                new Case("token of an unknown provider", () -> args("token", "nosuch", "--user", "u"), Counted::empty, 2,
                        "unknown provider 'nosuch': known providers: slack, google, jira", List.of()),
                new Case("show of an unknown provider", () -> args("show", "nosuch", "--user", "u"), Counted::empty, 2,
                        "unknown provider 'nosuch': known providers: slack, google, jira", List.of()),
                new Case("connect to an unknown provider", () -> args("connect", "nosuch", "--user", "u"), Counted::empty, 2,
                        "unknown provider 'nosuch': known providers: slack, google, jira", List.of()),
                new Case("ratelimit of an unknown provider", () -> args("ratelimit", "status", "nosuch"), Counted::empty, 2,
                        "unknown provider 'nosuch': known providers: slack, google, jira", List.of()),
                new Case("providers show of an unknown provider", () -> args("providers", "show", "nosuch"), Counted::empty, 2,
                        "unknown provider 'nosuch': known providers: slack, google, jira", List.of()),
                new Case("a Redis password file others can read", () -> args("list", "--redis-password-file",
                        secretFile("redis-password", "rw-r--r--").toString()), Counted::empty, 5,
                        "the Redis password file " + files.resolve("redis-password") + " is readable by others: it must be private to its owner",
                        List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void isAnsweredInOneLineWithItsExitCodeAndNothingWritten(Case c) {
        Map<String, String> before = vault.snapshot();
        long eventsBefore = eventCount();
        Counted stdin = c.stdin().get();

        Cli.Result r = assertTimeoutPreemptively(HANG_GUARD, () -> vault.cli().runWithStdin(stdin, vault.withRedis(c.args().get())));

        assertThat(r.exitCode()).as(r.err()).isEqualTo(c.exit());
        List<String> errors = r.err().lines().filter(l -> l.startsWith("integ: error: ")).toList();
        assertThat(errors).as(r.err()).hasSize(c.errorLines());
        assertThat(errors.get(0)).contains(c.message()).hasSizeLessThan(400);
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception").doesNotContain("(null)").doesNotContain("unexpected");
        assertThat(r.out()).isEmpty();
        assertThat(stdin.consumed()).as("read of an endless input").isLessThan(1 << 20);
        assertThat(vault.snapshot()).as("nothing written").isEqualTo(before);
        assertThat(newEvents(eventsBefore)).as("events recorded").isEqualTo(c.events());
    }

    @Test
    void namesAreEscapedInTablesAndMessagesAndExactInJson() {
        String title = "esc\u001b]0;PWNED\u0007\u001b[2J";
        String forged = "nl\nfake-row  active";
        String bidi = "bidi\u202egnp.exe\u2066";
        String c1 = "c1\u009b31m\u007f";
        // the user-name rule refuses such names now (UserNameRuleTest); records an older integ stored under them stay readable
        for (String user : List.of(title, forged, bidi, c1)) {
            Instant now = Instant.now();
            assertThat(vault.vault(VaultFixture.NS).save(new Credential("slack", user, Credential.ACTIVE, List.of("chat:write"), null, null, false,
                    now, now, Map.of()), new Secrets("t", null, Map.of()), 0)).isTrue();
            Cli.Result refused = vault.runWithInput(line(user) + "\n", "import", "--file", "-");
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.err()).contains("line 1: invalid user name: it contains").doesNotContainPattern(RAW_CONTROL);
        }

        Cli.Result list = vault.ok("list");
        assertThat(list.out()).doesNotContainPattern(RAW_CONTROL).doesNotContainPattern("(?m)^fake-row")
                .contains("esc\\x1b]0;PWNED\\x07\\x1b[2J").contains("nl\\nfake-row  active").contains("bidi\\u202egnp.exe\\u2066")
                .contains("c1\\x9b31m\\x7f");
        assertThat(list.out().lines()).hasSize(1 + 5); // the header, alice and the four stored above: no forged row

        for (String user : List.of(title, forged, bidi, c1)) {
            Cli.Result show = vault.run("show", "slack", "--user", user);
            assertThat(show.exitCode()).isEqualTo(2);
            assertThat(show.err()).as("refused on one line, without repeating the name").doesNotContainPattern(RAW_CONTROL)
                    .contains("invalid user name: it contains").hasLineCount(2);
        }
        JsonNode all = json(vault.ok("list", "-o", "json"));
        assertThat(all.findValuesAsText("user")).contains(title, forged, bidi, c1);
        assertThat(vault.ok("list", "-o", "json").out()).as("bidi stays as it is in JSON").contains("\u202e");
    }

    @Test
    void anUnknownProviderIsImportedOnlyWhenAllowedAndThenReadable() {
        String line = "{\"provider\":\"github\",\"user\":\"erin\",\"access_token\":\"gho_e\"}\n";
        Cli.Result refused = vault.runWithInput(line, "import", "--file", "-");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("line 1: unknown provider 'github'").contains("--allow-unknown-provider");
        assertThat(vault.credentialKeys()).doesNotContain("integ:cred:github:erin");

        vault.okWithInput(line, "import", "--file", "-", "--allow-unknown-provider");
        assertThat(vault.ok("token", "github", "--user", "erin").out()).isEqualTo("gho_e\n");
        assertThat(vault.run("token", "github", "--user", "nobody").exitCode()).as("only where a credential is stored").isEqualTo(2);
        assertThat(vault.run("refresh", "github", "--user", "erin").exitCode()).as("it has no settings to refresh with").isEqualTo(2);
    }

    @Test
    void ratelimitKnowsEveryProviderAndAliasTheCatalogKnows() {
        Path config = file("providers.yaml", """
                providers:
                  acme:
                    authorization-endpoint: https://acme.example/authorize
                    token-endpoint: https://acme.example/token
                rate-limits:
                  legacy: {per-user: 5/1m}
                """);
        for (String provider : List.of("atlassian", "google_drive", "acme", "legacy")) {
            Cli.Result r = vault.run("ratelimit", "status", provider, "--config", config.toString(), "-o", "json");
            assertThat(r.exitCode()).as(provider + ": " + r.err()).isZero();
        }
        assertThat(json(vault.run("ratelimit", "status", "atlassian", "-o", "json")).get("provider").asText()).isEqualTo("jira");
    }

    @Test
    void aSignInEndedByAnyFailureRecordsItsOutcome() {
        long before = eventCount();
        InputStream broken = new InputStream() {
            @Override
            public int read() {
                throw new IllegalStateException("the terminal went away");
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return read();
            }
        };
        Cli.Result r = assertTimeoutPreemptively(HANG_GUARD, () -> vault.cli().runWithStdin(broken,
                vault.withRedis("connect", "slack", "--user", "bob", "--manual", "--no-browser")));
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(newEvents(before)).as("not only IntegExceptions end a sign-in").containsExactly("connect.start", "connect.failure");
    }

    // ---- helpers ----

    private static String line(String user) {
        return "{\"provider\":\"slack\",\"user\":\"" + jsonEscaped(user) + "\",\"access_token\":\"t\"}";
    }

    private static String jsonEscaped(String s) {
        StringBuilder out = new StringBuilder();
        for (char ch : s.toCharArray()) {
            out.append(ch < 0x20 || (ch >= 0x7f && ch <= 0x9f) || ch > 0x2000 ? String.format("\\u%04x", (int) ch) : String.valueOf(ch));
        }
        return out.toString();
    }

    private static String[] args(String... args) {
        return args;
    }

    private static Path file(String name, String content) {
        try {
            return Files.writeString(files.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path binaryFile() {
        byte[] bytes = new byte[4096];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (0x80 + (i * 7) % 0x7f); // lone continuation and lead bytes: never UTF-8
        }
        try {
            return Files.write(files.resolve("binary.dat"), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path secretFile(String name, String mode) {
        Path file = file(name, "a-password\n");
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static long eventCount() {
        try (Jedis jedis = vault.jedis()) {
            return jedis.xlen(vault.keys(VaultFixture.NS).events());
        }
    }

    private static List<String> newEvents(long before) {
        try (Jedis jedis = vault.jedis()) {
            List<StreamEntry> all = jedis.xrange(vault.keys(VaultFixture.NS).events(), "-", "+");
            return all.stream().skip(before).map(e -> e.getFields().get("action")).toList();
        }
    }

    /**
     * Standard input made on the fly: a prefix, {@code count} copies of one byte, a suffix; nothing of
     * it is ever on disk or whole in memory. Counts what the command read, to prove it stopped early.
     */
    static final class Counted extends InputStream {
        private final byte[] prefix;
        private final byte filler;
        private final long count;
        private final byte[] suffix;
        private final AtomicLong position = new AtomicLong();

        private Counted(byte[] prefix, byte filler, long count, byte[] suffix) {
            this.prefix = prefix;
            this.filler = filler;
            this.count = count;
            this.suffix = suffix;
        }

        static Counted of(String prefix, char filler, long count, String suffix) {
            return new Counted(prefix.getBytes(StandardCharsets.UTF_8), (byte) filler, count, suffix.getBytes(StandardCharsets.UTF_8));
        }

        static Counted text(String text) {
            return of(text, ' ', 0, "");
        }

        static Counted empty() {
            return text("");
        }

        long consumed() {
            return position.get();
        }

        private long length() {
            return prefix.length + count + suffix.length;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            long at = position.get();
            if (at >= length()) {
                return -1;
            }
            int n = (int) Math.min(len, length() - at);
            for (int i = 0; i < n; i++) {
                long p = at + i;
                b[off + i] = p < prefix.length ? prefix[(int) p] : p < prefix.length + count ? filler : suffix[(int) (p - prefix.length - count)];
            }
            position.addAndGet(n);
            return n;
        }

        @Override
        public int read(byte[] b) {
            return read(b, 0, b.length);
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }
    }

}
