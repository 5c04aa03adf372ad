package dev.integ.cli;

import dev.integ.Services;
import dev.integ.config.Environment;
import dev.integ.config.Settings;
import dev.integ.core.Durations;
import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import picocli.CommandLine;
import picocli.CommandLine.IFactory;
import picocli.CommandLine.Model.UsageMessageSpec;

import java.lang.reflect.Constructor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the picocli command tree and hands every command the services it needs (the picocli
 * {@link IFactory} is how the composition root reaches the commands).
 */
public final class CommandLineFactory {
    static final String SECTION_ENVIRONMENT = "environment";
    static final String SECTION_STORE = "store";

    private CommandLineFactory() {
    }

    /** The top-level commands, in the order help lists them. */
    private static final Map<String, Class<?>> COMMANDS = commands();

    private static Map<String, Class<?>> commands() {
        Map<String, Class<?>> commands = new LinkedHashMap<>();
        commands.put("connect", ConnectCommand.class);
        commands.put("token", TokenCommand.class);
        commands.put("refresh", RefreshCommand.class);
        commands.put("api", ApiCommand.class);
        commands.put("verify", VerifyCommand.class);
        commands.put("slack", SlackCommand.class);
        commands.put("drive", DriveCommand.class);
        commands.put("jira", JiraCommand.class);
        commands.put("revoke", RevokeCommand.class);
        commands.put("providers", ProvidersCommand.class);
        commands.put("list", ListCommand.class);
        commands.put("show", ShowCommand.class);
        commands.put("forget", ForgetCommand.class);
        commands.put("import", ImportCommand.class);
        commands.put("keys", KeysCommand.class);
        commands.put("ratelimit", RatelimitCommand.class);
        commands.put("events", EventsCommand.class);
        commands.put("doctor", DoctorCommand.class);
        commands.put("store", StoreCommand.class);
        return commands;
    }

    /** The whole command tree alone: what the man pages and the completions are made from. */
    public static CommandLine model() {
        return create(new Services(Environment.system()), null, null);
    }

    /**
     * @param args the command line about to be run, to register only the command it names (see
     *             {@link CommandSelection}); null for the whole tree
     */
    public static CommandLine create(Services services, Terminal terminal, String[] args) {
        Factory factory = new Factory(services, terminal);
        CommandLine commandLine = new CommandLine(IntegCommand.class, factory);
        List<String> names = List.copyOf(COMMANDS.keySet());
        for (String name : args == null ? names : CommandSelection.needed(commandLine.getCommandSpec(), names, args)) {
            commandLine.addSubcommand(name, new CommandLine(COMMANDS.get(name), factory));
        }
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.registerConverter(Duration.class, text -> {
            try {
                return Durations.parse(text);
            } catch (IntegException e) {
                // the message says what was wrong and the accepted range; it has no cause worth naming
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        });
        Map<String, String> exitCodes = new LinkedHashMap<>();
        for (ExitCode code : ExitCode.values()) {
            // not String.format: its first use loads locale data (~5 ms), on every command, for a help section
            String number = Integer.toString(code.code());
            exitCodes.put(" ".repeat(Math.max(0, 3 - number.length())) + number, code.meaning());
        }
        UsageMessageSpec top = commandLine.getCommandSpec().usageMessage();
        top.exitCodeListHeading("%nExit codes:%n").exitCodeList(exitCodes);
        addEnvironmentSection(commandLine);
        // every command answers -h and -V; declared here rather than inherited, which would also hand
        // the top command's description to subcommands that have none of their own
        List<CommandLine> all = new ArrayList<>();
        collect(commandLine, all);
        all.forEach(c -> c.getCommandSpec().mixinStandardHelpOptions(true).versionProvider(new Version()));
        if (terminal != null) {
            addStoreSection(commandLine, services);
            // no colours until usage help is printed: asking whether a stream is a terminal is not free
            commandLine.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
            commandLine.setOut(terminal.out());
            commandLine.setErr(terminal.err());
            GlobalOptions global = ((IntegCommand) commandLine.getCommand()).global;
            ErrorReporter errors = new ErrorReporter(terminal, global, services::storeFailure);
            commandLine.setExecutionExceptionHandler(errors);
            commandLine.setParameterExceptionHandler(errors);
            commandLine.setExecutionStrategy(parseResult -> {
                terminal.applyOptions(global);
                helpColors(commandLine, parseResult, terminal);
                services.useFlags(global::flags);
                services.useNotices(terminal::note);
                warnAboutPasswordInArgv(global, terminal);
                return new CommandLine.RunLast().execute(parseResult);
            });
        }
        return commandLine;
    }

    /** Usage goes to stdout for --help and to stderr for a command group run alone; each in its stream's colours. */
    private static void helpColors(CommandLine top, CommandLine.ParseResult parsed, Terminal terminal) {
        List<CommandLine> chain = parsed.asCommandLineList();
        if (chain.stream().anyMatch(CommandLine::isUsageHelpRequested)) {
            top.setColorScheme(CommandLine.Help.defaultColorScheme(terminal.ansi()));
        } else if (chain.stream().noneMatch(CommandLine::isVersionHelpRequested)
                && chain.get(chain.size() - 1).getCommand() instanceof CommandGroup) {
            top.setColorScheme(CommandLine.Help.defaultColorScheme(terminal.errorAnsi()));
        }
    }

    private static void warnAboutPasswordInArgv(GlobalOptions global, Terminal terminal) {
        String url = global.flags().redisUrl();
        if (url != null && url.matches("(?s)[a-z-]+://[^@/]*:[^@/]+@.*")) {
            terminal.warning("the Redis password in --redis is visible in the process list; "
                    + "use INTEG_REDIS_PASSWORD or --redis-password-file instead");
        }
    }

    private static void addEnvironmentSection(CommandLine commandLine) {
        UsageMessageSpec usage = commandLine.getCommandSpec().usageMessage();
        List<String> keys = new ArrayList<>(usage.sectionKeys());
        keys.add(keys.indexOf(UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST_HEADING), SECTION_ENVIRONMENT);
        usage.sectionKeys(keys);
        usage.sectionMap().put(SECTION_ENVIRONMENT, help -> {
            StringBuilder text = new StringBuilder("%nEnvironment:%n".formatted());
            GlobalOptions.ENVIRONMENT.forEach((name, meaning) -> text.append("  ").append(name).append(System.lineSeparator())
                    .append("      ").append(meaning).append(System.lineSeparator()));
            return text.toString();
        });
    }

    /** "Which store is in use", said at the end of every --help; resolved only when help is printed. */
    private static void addStoreSection(CommandLine commandLine, Services services) {
        List<CommandLine> all = new ArrayList<>();
        collect(commandLine, all);
        for (CommandLine command : all) {
            UsageMessageSpec usage = command.getCommandSpec().usageMessage();
            List<String> keys = new ArrayList<>(usage.sectionKeys());
            keys.add(SECTION_STORE);
            usage.sectionKeys(keys);
            usage.sectionMap().put(SECTION_STORE, help -> "%nStore in use: %s%n".formatted(describeStore(services)));
        }
    }

    static String describeStore(Services services) {
        try {
            Settings settings = services.settings();
            return (settings.store().embedded() ? "embedded Redis, data in " + settings.store().embeddedDir()
                    : settings.store().description().summary()) + ", namespace " + settings.namespace();
        } catch (IntegException e) {
            return "unknown: " + e.getMessage();
        }
    }

    private static void collect(CommandLine command, List<CommandLine> into) {
        into.add(command);
        command.getSubcommands().values().forEach(sub -> collect(sub, into));
    }

    private record Factory(Services services, Terminal terminal) implements IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            try {
                Constructor<K> withServices = type.getDeclaredConstructor(Services.class, Terminal.class);
                return withServices.newInstance(services, terminal);
            } catch (NoSuchMethodException plain) {
                return CommandLine.defaultFactory().create(type);
            }
        }
    }
}
