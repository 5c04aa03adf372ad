package dev.integ.cli;

import dev.integ.config.Environment;
import dev.integ.testing.Cli;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Colours follow each standard stream on its own, and the operating system is asked about the
 * streams only when a command needs to know (the real look-up loads jansi's native library).
 * {@code TerminalStreamsIT} runs the packaged jar on a real pseudo-terminal.
 */
class ConsoleStreamsTest {
    private static final String ESC = "\u001b[";

    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();

    private final AtomicInteger asked = new AtomicInteger();

    @BeforeAll
    static void aFreshCredential() {
        vault.reset();
        vault.okWithInput("""
                {"provider":"slack","user":"alice","access_token":"xoxb-a","scopes":"chat:write"}
                """, "import", "--file", "-");
    }

    @Test
    void versionAndAFreshTokenNeverAskWhichStreamsAreTerminals() {
        Cli.Result version = run(ConsoleStreams.ALL, Map.of(), "--version");
        assertThat(version.exitCode()).isZero();
        Cli.Result token = run(ConsoleStreams.ALL, Map.of(), vault.withRedis("token", "slack", "--user", "alice"));
        assertThat(token.exitCode()).as(token.err()).isZero();
        assertThat(token.out()).isEqualTo("xoxb-a\n");
        assertThat(asked).hasValue(0);

        Cli.Result missing = run(ConsoleStreams.ALL, Map.of(), vault.withRedis("token", "slack", "--user", "nobody"));
        assertThat(missing.exitCode()).isEqualTo(3);
        assertThat(asked).as("asked once for the error and its hint").hasValue(1);
    }

    @Test
    void stdoutPipedStillGetsColouredErrorsOnAStderrTerminal() {
        Cli.Result missing = run(new ConsoleStreams(false, false, true), Map.of(), vault.withRedis("token", "slack", "--user", "nobody"));
        assertThat(missing.err()).startsWith(ESC).contains("integ: error:").contains("integ: hint:");
        assertThat(missing.out()).isEmpty();

        Cli.Result help = run(new ConsoleStreams(false, false, true), Map.of(), "token", "--help");
        assertThat(help.out()).contains("Usage:").doesNotContain(ESC);
    }

    @Test
    void stderrRedirectedGetsPlainErrorsWhileStdoutIsATerminal() {
        Cli.Result missing = run(new ConsoleStreams(true, true, false), Map.of(), vault.withRedis("token", "slack", "--user", "nobody"));
        assertThat(missing.err()).startsWith("integ: error: ").doesNotContain(ESC);

        Cli.Result help = run(new ConsoleStreams(true, true, false), Map.of(), "token", "--help");
        assertThat(help.out()).contains(ESC);
        Cli.Result group = run(new ConsoleStreams(true, true, false), Map.of(), "keys");
        assertThat(group.err()).as("a command group's usage goes to stderr, in stderr's colours").contains("Usage:").doesNotContain(ESC);
    }

    @Test
    void noColorAndDumbTerminalsTurnColoursOffOnBothStreams() {
        for (Map<String, String> env : List.of(Map.of("NO_COLOR", "1"), Map.of("TERM", "dumb"))) {
            Cli.Result missing = run(ConsoleStreams.ALL, env, vault.withRedis("token", "slack", "--user", "nobody"));
            assertThat(missing.err()).as("%s", env).startsWith("integ: error: ").doesNotContain(ESC);
            assertThat(run(ConsoleStreams.ALL, env, "token", "--help").out()).as("%s", env).doesNotContain(ESC);
        }
        Cli.Result flag = run(ConsoleStreams.ALL, Map.of(), vault.withRedis("token", "slack", "--user", "nobody", "--no-color"));
        assertThat(flag.err()).startsWith("integ: error: ").doesNotContain(ESC);
    }

    @Test
    void withoutJansisLibraryTheJdksOneAnswerCoversAllThree() {
        ConsoleStreams jdk = ConsoleStreams.fromJdk();
        assertThat(jdk).isIn(ConsoleStreams.ALL, ConsoleStreams.NONE);
        // surefire's forked JVM has no terminal on any stream
        assertThat(ConsoleStreams.detect()).isEqualTo(ConsoleStreams.NONE);
    }

    private Cli.Result run(ConsoleStreams streams, Map<String, String> extraEnv, String... args) {
        Map<String, String> env = new HashMap<>(vault.cli().environment());
        env.putAll(extraEnv);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new Environment(Map.copyOf(env)), new ByteArrayInputStream(new byte[0]),
                new PrintWriter(out, true), new PrintWriter(err, true), () -> {
                    asked.incrementAndGet();
                    return streams;
                });
        return new Cli.Result(code, out.toString(), err.toString());
    }
}
