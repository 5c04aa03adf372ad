package dev.integ.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CommandSelectionTest {
    private static final List<String> ALL = List.of("doctor", "store");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "doctor                                  | doctor",
            "store status                            | store",
            "--redis redis://h:1 store status        | store",
            "--redis=redis://h:1 -q doctor           | doctor",
            "-o json doctor                          | doctor",
            "-ojson doctor                           | doctor",
            "-qv store stop                          | store",
            "--namespace doctor store                | store",
            "--version                               | ''",
            "-V                                      | ''",
            "--help                                  | doctor store",
            "doctor --help                           | doctor",
            "''                                      | doctor store",
            "conect                                  | doctor store",
            "--bogus doctor                          | doctor store",
            "-x doctor                               | doctor store",
            "-- doctor                               | doctor store"})
    void registersOnlyWhatTheCommandLineCanReach(String argv, String expected) {
        String[] args = argv.isBlank() ? new String[0] : argv.trim().split("\\s+");
        CommandLine top = new CommandLine(IntegCommand.class);
        List<String> wanted = expected.isBlank() ? List.of() : Arrays.asList(expected.split(" "));
        assertThat(CommandSelection.needed(top.getCommandSpec(), ALL, args)).isEqualTo(wanted);
    }
}
