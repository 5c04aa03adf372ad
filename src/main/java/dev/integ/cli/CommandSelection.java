package dev.integ.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.List;

/**
 * Which top-level commands an invocation can reach. picocli builds the model of every registered
 * command up front (annotations, reflection: ~40 ms for today's tree, more with every command), so
 * `integ store status` registers only `store`. Anything unusual (help, no command, an unknown word
 * or option) gets the whole tree, so picocli's own messages and suggestions stay exactly as they are.
 */
final class CommandSelection {
    private CommandSelection() {
    }

    /**
     * @param top   the top command's spec (its options tell which flags take a value)
     * @param names the names of all top-level commands
     * @return the commands to register
     */
    static List<String> needed(CommandSpec top, List<String> names, String[] args) {
        boolean version = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                return names;
            }
            if (arg.equals("-V") || arg.equals("--version")) {
                version = true;
                continue;
            }
            if (arg.equals("--") || arg.isEmpty()) {
                return names;
            }
            if (!arg.startsWith("-")) {
                return names.contains(arg) ? List.of(arg) : names;
            }
            if (arg.contains("=")) {
                continue;
            }
            OptionSpec option = top.findOption(arg);
            if (option == null && !arg.startsWith("--") && arg.length() > 2) {
                // a cluster such as -qv, or a short option with its value attached such as -ojson
                option = top.findOption(arg.substring(0, 2));
                if (option == null) {
                    return names;
                }
                continue;
            }
            if (option == null) {
                return names;
            }
            if (option.arity().max() > 0) {
                i++;
            }
        }
        return version ? List.of() : names;
    }
}
