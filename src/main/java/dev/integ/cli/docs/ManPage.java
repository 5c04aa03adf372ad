package dev.integ.cli.docs;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ScopeType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One man page (troff, man macros) for one command, made from the picocli model that --help is made
 * from. Options with INHERIT scope are listed under GLOBAL OPTIONS on every page, identically.
 */
final class ManPage {
    private final CommandSpec spec;
    private final StringBuilder out = new StringBuilder();

    private ManPage(CommandSpec spec) {
        this.spec = spec;
    }

    /** File name of the page of this command: {@code integ-store-status.1}. */
    static String fileName(CommandSpec spec) {
        return spec.qualifiedName("-") + ".1";
    }

    /**
     * @param environment variables and their meaning, for an ENVIRONMENT section (empty: none)
     */
    static String render(CommandSpec spec, String version, Map<String, String> environment) {
        return new ManPage(spec).page(version, environment);
    }

    /** The visible subcommands, each once (picocli lists a command once per alias). */
    static List<CommandSpec> subcommands(CommandSpec spec) {
        return new LinkedHashSet<>(spec.subcommands().values()).stream()
                .map(CommandLine::getCommandSpec)
                .filter(sub -> !sub.usageMessage().hidden())
                .toList();
    }

    private String page(String version, Map<String, String> environment) {
        String name = spec.qualifiedName("-");
        macro(".TH", name.toUpperCase(Locale.ROOT), "1", "", spec.root().name() + " " + version,
                spec.root().name() + " Manual");
        macro(".nh"); // no hyphenation: it would break option and variable names
        macro(".ad", "l");

        section("NAME");
        line(escape(name) + " \\- " + escape(summary()));

        section("SYNOPSIS");
        line(synopsis());

        section("DESCRIPTION");
        String[] description = spec.usageMessage().description();
        if (description.length == 0) {
            description = new String[] {summary()};
        }
        for (int i = 0; i < description.length; i++) {
            if (i > 0) {
                macro(".PP");
            }
            text(description[i]);
        }

        List<PositionalParamSpec> arguments = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        if (!arguments.isEmpty()) {
            section("ARGUMENTS");
            arguments.forEach(p -> item(italic(p.paramLabel()), p));
        }

        List<OptionSpec> own = options(ScopeType.LOCAL);
        if (spec.usageMessage().sortOptions()) {
            own.sort(Help.createShortOptionNameComparator());
        }
        if (!own.isEmpty()) {
            section("OPTIONS");
            own.forEach(o -> item(optionTag(o), o));
        }

        List<OptionSpec> global = options(ScopeType.INHERIT);
        if (!global.isEmpty()) {
            section("GLOBAL OPTIONS");
            line("These options apply to " + bold(spec.root().name()) + " and all its commands, "
                    + "and can be given before or after the command name.");
            global.forEach(o -> item(optionTag(o), o));
        }

        List<CommandSpec> subcommands = subcommands(spec);
        if (!subcommands.isEmpty()) {
            section("COMMANDS");
            for (CommandSpec sub : subcommands) {
                macro(".TP");
                line(sub.names().stream().map(ManPage::bold).collect(Collectors.joining(", ")));
                text(String.join(" ", sub.usageMessage().header()));
                line("See " + reference(sub) + ".");
            }
        }

        if (!environment.isEmpty()) {
            section("ENVIRONMENT");
            environment.forEach((variable, meaning) -> {
                macro(".TP");
                line(bold(variable));
                text(meaning);
            });
        }

        Map<String, String> exitCodes = spec.usageMessage().exitCodeList();
        if (!exitCodes.isEmpty()) {
            section("EXIT STATUS");
            exitCodes.forEach((code, meaning) -> {
                macro(".TP");
                line(bold(code.strip()));
                text(meaning);
            });
        }

        List<CommandSpec> related = new ArrayList<>();
        for (CommandSpec parent = spec.parent(); parent != null; parent = parent.parent()) {
            related.add(0, parent);
        }
        related.addAll(subcommands);
        if (!related.isEmpty()) {
            section("SEE ALSO");
            line(related.stream().map(ManPage::reference).collect(Collectors.joining(", ")));
        }
        return out.toString();
    }

    private String summary() {
        String header = String.join(" ", spec.usageMessage().header());
        return plain(header.isBlank() ? String.join(" ", spec.usageMessage().description()) : header)
                .replace('\n', ' ').strip();
    }

    /** {@code integ store [OPTIONS] [COMMAND]}: the options themselves are listed below it. */
    private String synopsis() {
        StringBuilder s = new StringBuilder(bold(spec.qualifiedName()));
        if (spec.options().stream().anyMatch(o -> !o.hidden())) {
            s.append(" [").append(italic("OPTIONS")).append(']');
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (p.hidden()) {
                continue;
            }
            String label = italic(p.paramLabel()) + (p.arity().max() > 1 ? "..." : "");
            s.append(' ').append(p.arity().min() == 0 ? "[" + label + "]" : label);
        }
        if (!subcommands(spec).isEmpty()) {
            String label = spec.usageMessage().synopsisSubcommandLabel();
            boolean optional = label.startsWith("[") && label.endsWith("]");
            s.append(' ').append(optional ? "[" + italic(label.substring(1, label.length() - 1)) + "]" : italic(label));
        }
        return s.toString();
    }

    private List<OptionSpec> options(ScopeType scope) {
        List<OptionSpec> options = new ArrayList<>(spec.options().stream()
                .filter(o -> !o.hidden() && o.scopeType() == scope)
                .toList());
        options.sort(Comparator.comparingInt(OptionSpec::order));
        return options;
    }

    /** {@code -o, --output=FORMAT}, in troff. */
    private String optionTag(OptionSpec option) {
        String tag = Arrays.stream(option.names()).map(ManPage::bold).collect(Collectors.joining(", "));
        if (option.arity().max() > 0) {
            String value = escape(spec.parser().separator()) + italic(option.paramLabel());
            tag += option.arity().min() == 0 ? "[" + value + "]" : value;
        }
        return tag;
    }

    private void item(String tag, ArgSpec arg) {
        macro(".TP");
        line(tag);
        String[] description = arg.description();
        for (int i = 0; i < description.length; i++) {
            if (i > 0) {
                macro(".br");
            }
            text(description[i]);
        }
        Help.Visibility show = arg instanceof OptionSpec o ? o.showDefaultValue() : Help.Visibility.ON_DEMAND;
        boolean showDefault = show == Help.Visibility.ALWAYS
                || show == Help.Visibility.ON_DEMAND && spec.usageMessage().showDefaultValues();
        if (showDefault && arg.defaultValue() != null) {
            text("Default: " + arg.defaultValue() + ".");
        }
    }

    private static String reference(CommandSpec command) {
        return bold(command.qualifiedName("-")) + "(1)";
    }

    private void section(String title) {
        macro(".SH", title);
    }

    /** A request line; arguments are quoted, so they may hold spaces (but not double quotes). */
    private void macro(String request, String... arguments) {
        out.append(request);
        for (String argument : arguments) {
            if (argument.contains("\"")) {
                throw new IllegalArgumentException("double quote in man macro argument: " + argument);
            }
            out.append(' ').append(argument.isEmpty() || argument.contains(" ") ? "\"" + escape(argument) + "\"" : escape(argument));
        }
        out.append('\n');
    }

    /** Text in picocli's notation (markup, %n line breaks) as escaped troff lines. */
    private void text(String picocliText) {
        boolean first = true;
        for (String piece : plain(picocliText).split("\n")) {
            if (piece.isBlank()) {
                continue;
            }
            if (!first) {
                macro(".br");
            }
            line(escape(piece.strip()));
            first = false;
        }
    }

    /** A line of (already escaped) troff text; never read as a request. */
    private void line(String troff) {
        out.append(troff.startsWith(".") || troff.startsWith("'") ? "\\&" : "").append(troff).append('\n');
    }

    private static String plain(String picocliText) {
        return Help.Ansi.OFF.string(picocliText).replace("%n", "\n").replace("%%", "%");
    }

    private static String bold(String text) {
        return "\\fB" + escape(text) + "\\fR";
    }

    private static String italic(String text) {
        return "\\fI" + escape(text) + "\\fR";
    }

    /**
     * Escapes text for troff: backslash as \e, every hyphen as \- (so options copy and paste as
     * ASCII), non-ASCII as \[uXXXX]. Whether a line starts with a dot is {@link #line}'s concern.
     */
    static String escape(String text) {
        StringBuilder s = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (c == '\\') {
                s.append("\\e");
            } else if (c == '-') {
                s.append("\\-");
            } else if (c < 0x20) {
                s.append(' ');
            } else if (c > 0x7e) {
                s.append(String.format("\\[u%04X]", c));
            } else {
                s.appendCodePoint(c);
            }
        });
        return s.toString();
    }
}
