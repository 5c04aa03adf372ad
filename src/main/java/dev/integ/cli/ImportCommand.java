package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.vault.CredentialImport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

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

    ImportCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() throws IOException {
        CredentialImport importer = new CredentialImport(services.vault(), services.providers()::canonical, services::storeFailure);
        // Ctrl-C stops between two batches, and the counts are printed before the JVM goes
        StopOnShutdown stop = new StopOnShutdown(importer::requestStop,
                () -> terminal.warning("interrupted: stopping at the next safe point (after the batch being written)"), Duration.ofSeconds(15));
        try (BufferedReader input = open()) {
            return report(importer.run(input, replace, skipInvalid, dryRun));
        } finally {
            stop.close();
        }
    }

    private int report(CredentialImport.Result r) {
        for (CredentialImport.Problem p : r.problems()) {
            if (r.rejected()) {
                terminal.error(p.toString(), null);
            } else {
                terminal.warning("skipped " + p);
            }
        }
        if (r.rejected()) {
            throw IntegException.usage("nothing imported", r.problems().size() + " invalid line" + (r.problems().size() == 1 ? "" : "s"),
                    "fix them, or add --skip-invalid to import the valid lines and report the rest");
        }
        if (r.interrupted() != null) {
            terminal.error(r.interrupted().message(), r.interrupted().hint());
            return ExitCode.RETRY_LATER.code();
        }
        render(r, out -> {
            out.printf("%s %d credential%s (%d replacing stored ones), %d unchanged%s%n", r.dryRun() ? "would import" : "imported",
                    r.imported(), r.imported() == 1 ? "" : "s", r.replaced(), r.unchanged(),
                    r.skipped() > 0 ? "; skipped " + r.skipped() + " invalid lines" : "");
        });
        return 0;
    }

    private BufferedReader open() throws IOException {
        if (file.equals("-")) {
            return new BufferedReader(new InputStreamReader(terminal.in(), StandardCharsets.UTF_8));
        }
        try {
            return Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw IntegException.usage("cannot read " + file, "no such file", null);
        }
    }
}
