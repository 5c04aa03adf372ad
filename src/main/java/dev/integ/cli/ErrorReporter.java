package dev.integ.cli;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.core.Printable;
import dev.integ.store.RedisErrors;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import redis.clients.jedis.exceptions.JedisException;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.function.Function;

/** The one place errors are printed; commands never catch exceptions to render them. */
final class ErrorReporter implements IExecutionExceptionHandler, IParameterExceptionHandler {
    private final Terminal terminal;
    private final GlobalOptions options;
    private final Function<JedisException, IntegException> storeFailure;

    ErrorReporter(Terminal terminal, GlobalOptions options, Function<JedisException, IntegException> storeFailure) {
        this.terminal = terminal;
        this.options = options;
        this.storeFailure = storeFailure;
    }

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        String name = command.getCommandSpec().qualifiedName();
        terminal.error(e.getMessage(), "see '" + name + " --help'");
        return ExitCode.USAGE.code();
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine command, ParseResult parseResult) {
        if (e instanceof IntegException integ) {
            integ.parts().forEach(part -> terminal.error(RedisErrors.withoutScriptTrace(part.message()), part.hint()));
            // the last guard: a Redis script error quoted by some path must not show its script hash
            terminal.error(RedisErrors.withoutScriptTrace(integ.getMessage()), integ.hint());
            if (integ.getCause() != null) {
                traceIfVerbose(integ);
            }
            return integ.exitCode().code();
        }
        JedisException jedis = storeCause(e);
        if (jedis != null) {
            // raw, or wrapped by a thread pool or stream on its way here: one translation for every path
            IntegException translated = storeFailure.apply(jedis);
            if (translated.getCause() != e) {
                translated.addSuppressed(e);
            }
            return handleExecutionException(translated, command, parseResult);
        }
        terminal.error("unexpected " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": "
                        + RedisErrors.withoutScriptTrace(e.getMessage())),
                options.verbose() ? null : "run again with -v for the stack trace, and report it");
        traceIfVerbose(e);
        return ExitCode.FAILURE.code();
    }

    private static JedisException storeCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JedisException jedis) {
                return jedis;
            }
            if (t instanceof IntegException) {
                return null;
            }
        }
        return null;
    }

    private void traceIfVerbose(Throwable e) {
        if (!options.verbose()) {
            return;
        }
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        // messages in a trace may quote stored or typed text, as error lines do
        terminal.err().print(Printable.escape(trace.toString(), true));
        terminal.err().flush();
    }
}
