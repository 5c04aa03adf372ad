package dev.integ.core;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pieces every bad-input answer is made of: escaping for people, echoed values, bounded lines. */
class BoundedInputTest {

    @Test
    void printableEscapesEveryControlC1AndBidiCharacterAndNothingElse() {
        assertThat(Printable.escape("esc\u001b]0;PWNED\u0007\u001b[2J")).isEqualTo("esc\\x1b]0;PWNED\\x07\\x1b[2J");
        assertThat(Printable.escape("nl\nfake\r\trow\u007f\u009b")).isEqualTo("nl\\nfake\\r\\trow\\x7f\\x9b");
        assertThat(Printable.escape("a\u202eb\u2066c\u2069d\u202a")).isEqualTo("a\\u202eb\\u2066c\\u2069d\\u202a");
        assertThat(Printable.escape("alice@example.com Zoë 東京 \\x1b")).as("printable text is untouched").isEqualTo("alice@example.com Zoë 東京 \\x1b");
        assertThat(Printable.escape("trace\n\tat x\u001b", true)).isEqualTo("trace\n\tat x\\x1b");
    }

    @Test
    void echoKeepsShortValuesAndShortensLongOnesWithTheirSize() {
        assertThat(Echo.of("short")).isEqualTo("short");
        assertThat(Echo.of("é".repeat(100))).isEqualTo("é".repeat(80) + "…(200 bytes)");
    }

    @Test
    void linesAreReadWithinTheirLimitsWithTheLineNamed() throws IOException {
        try (BoundedLineReader r = reader("one\r\ntwo\n\nthree", 10, 100)) {
            assertThat(r.readLine()).isEqualTo("one");
            assertThat(r.readLine()).isEqualTo("two");
            assertThat(r.readLine()).isEmpty();
            assertThat(r.readLine()).isEqualTo("three");
            assertThat(r.readLine()).isNull();
        }
        assertThatThrownBy(() -> readAll(reader("ok\nok\n" + "x".repeat(11) + "\n", 10, 100)))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessage("in: line 3 is longer than 10 characters, the longest line integ reads");
        assertThatThrownBy(() -> readAll(reader("ok\n".repeat(40), 10, 100)))
                .hasMessage("in is larger than 100 bytes, the most integ reads at once");
        byte[] binary = "ok\nok\nb\u00ffd\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> readAll(new BoundedLineReader(new ByteArrayInputStream(binary), "in", 10, 100, "hint")))
                .hasMessage("in: line 3 is not UTF-8 text");
    }

    private static BoundedLineReader reader(String text, int maxLine, long maxBytes) {
        return new BoundedLineReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "in", maxLine, maxBytes, "hint");
    }

    private static void readAll(BoundedLineReader r) throws IOException {
        while (r.readLine() != null) {
            // read to the end or the refusal
        }
    }
}
