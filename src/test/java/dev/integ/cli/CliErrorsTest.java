package dev.integ.cli;

import dev.integ.testing.Cli;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad input gets one clear error line, an optional hint, and the documented exit code. */
class CliErrorsTest {
    private final Cli cli = Cli.inTempHome();

    @Test
    void unknownOptionIsAUsageError() {
        Cli.Result r = cli.run("doctor", "--bogus");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("integ: error: Unknown option: '--bogus'\ninteg: hint: see 'integ doctor --help'\n");
    }
}
