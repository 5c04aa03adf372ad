package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.BoundedLineReader;
import dev.integ.core.Echo;
import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.providers.ProviderCatalog;
import dev.integ.vault.CredentialImport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

@Command(name = "import", header = "Import existing tokens from a JSON-lines file (or - for standard input).",
        description = {"One object per line: provider, user, access_token, and optionally refresh_token, expires_at "
                + "(ISO-8601 or epoch seconds) or expires_in (seconds), refresh_expires_at or refresh_expires_in, scopes "
                + "(list or space-separated), metadata (account facts shown by list/show) and secrets (further secret fields).",
                "Every line is checked first, and compared with what is stored; with any invalid line nothing is written, "
                        + "unless --skip-invalid. A credential stored exactly as its line gives it is unchanged; one stored with "
                        + "other content is an invalid line. --replace writes every line, stored or not. So rerunning the same file after a failure or Ctrl-C "
                        + "finishes it; a failure says how many credentials were written and where the rerun goes on. "
                        + "Tokens come only from the file, never from the command line."})
final class ImportCommand extends ServiceCommand {

    @Option(names = "--file", paramLabel = "FILE", required = true, description = "The JSON-lines file; - reads standard input.")
    String file;

    @Option(names = "--replace", description = "Write every line, over what is stored (with other content, or the same).")
    boolean replace;

    @Option(names = "--skip-invalid", description = "Import the valid lines and report the invalid ones.")
    boolean skipInvalid;

    @Option(names = "--dry-run", description = "Check the file and say what would be imported; write nothing.")
    boolean dryRun;

    @Option(names = "--allow-unknown-provider",
            description = "Accept lines of a provider that is neither built in nor configured (their tokens can be read, never refreshed).")
    boolean allowUnknownProvider;

    ImportCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() throws IOException {
        ProviderCatalog catalog = services.providers();
        UnaryOperator<String> provider = name -> catalog.knownName(name, "provider", unknown -> allowUnknownProvider);
        CredentialImport importer = new CredentialImport(services.vault(), name -> {
            try {
                return provider.apply(name);
            } catch (IntegException unknown) {
                throw unknown.withHint("a typo would store credentials nothing can refresh: add the provider under 'providers:' "
                        + "in the config file, or import with --allow-unknown-provider");
            }
        }, services::storeFailure);
        // Ctrl-C stops between two batches, and the counts are printed before the JVM goes: they are an
        // IntegException's message, printed by ErrorReporter once call() has thrown, so the hook is let go only then
        StopOnShutdown stop = new StopOnShutdown(importer::requestStop,
                () -> terminal.warning("interrupted: stopping at the next safe point (after the batch being written)"), Duration.ofSeconds(15));
        terminal.whenReported(stop::close);
        try (BufferedReader input = open()) {
            return report(importer.run(input, replace, skipInvalid, dryRun));
        } catch (IOException e) {
            // a directory, a read error: one line naming the file, not an "unexpected" failure
            throw IntegException.usage("cannot read " + (file.equals("-") ? "standard input" : Echo.of(file)),
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), null);
        }
    }

    private int report(CredentialImport.Result r) {
        if (r.rejected()) {
            // every invalid line is an error of its own, then the verdict: ErrorReporter prints them all
            throw IntegException.several(r.problems().stream().map(p -> new IntegException.Part(p.toString(), null)).toList(),
                    List.of(ExitCode.USAGE), "nothing imported", r.problems().size() + " invalid line" + (r.problems().size() == 1 ? "" : "s"),
                    "fix them, or add --skip-invalid to import the valid lines and report the rest");
        }
        r.problems().forEach(p -> terminal.warning("skipped " + p));
        if (r.interrupted() != null) {
            throw IntegException.retryLater(r.interrupted().message(), null, r.interrupted().hint(), null);
        }
        render(r, out -> {
            out.printf("%s %d credential%s (%d replacing stored ones), %d unchanged%s%n", r.dryRun() ? "would import" : "imported",
                    r.imported(), r.imported() == 1 ? "" : "s", r.replaced(), r.unchanged(),
                    r.skipped() > 0 ? "; skipped " + r.skipped() + " invalid lines" : "");
        });
        return 0;
    }

    private static final String LINES = "import reads UTF-8 JSON lines, one credential per line: is this the right file?";

    /** The input within {@link CredentialImport}'s limits: a line too long, too much input or bytes that are not UTF-8 stop it with exit 2. */
    private BufferedReader open() throws IOException {
        if (file.equals("-")) {
            return new BoundedLineReader(terminal.in(), "standard input", CredentialImport.MAX_LINE_CHARS, CredentialImport.MAX_INPUT_BYTES, LINES);
        }
        try {
            return new BoundedLineReader(Files.newInputStream(Path.of(file)), Echo.of(file), CredentialImport.MAX_LINE_CHARS,
                    CredentialImport.MAX_INPUT_BYTES, LINES);
        } catch (NoSuchFileException e) {
            throw IntegException.usage("cannot read " + Echo.of(file), "no such file", null);
        }
    }
}
