package dev.integ.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.integ.Services;
import dev.integ.core.Echo;
import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.core.ProviderName;
import dev.integ.vault.CredentialVault;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

@Command(name = "list", header = "List stored credentials (metadata only; never a secret).",
        description = {"Every record is verified as it is read. One that fails (altered, truncated, moved from another "
                + "user or provider) is named on stderr and the exit code is 5; the others still list.",
                "Tables are sorted when they have up to 10,000 rows; JSON is one array, streamed in store order."})
final class ListCommand extends ServiceCommand {
    private static final int SORT_LIMIT = 10_000;

    @Option(names = "--provider", paramLabel = "NAME", description = "Only this provider's credentials.")
    String provider;

    @Option(names = "--user", paramLabel = "USER", converter = UserNameConverter.class, description = "Only this user's credentials.")
    String user;

    @Option(names = "--status", paramLabel = "STATUS", completionCandidates = Statuses.class,
            description = "Only credentials in this status: active, expired, needs_reauth.")
    String status;

    @Option(names = "--expiring-within", paramLabel = "DURATION",
            description = "Only access tokens that expire within this time (e.g. 2h), expired ones included.")
    Duration expiringWithin;

    ListCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    static final class Statuses implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of("active", "expired", "needs_reauth").iterator();
        }
    }

    @Override
    public Integer call() throws IOException {
        if (status != null && !List.of("active", "expired", "needs_reauth").contains(status)) {
            throw IntegException.usage("invalid --status '" + Echo.of(status) + "'", "expected active, expired or needs_reauth", null);
        }
        if (provider != null) {
            provider = services.providers().canonical(ProviderName.require(provider, "--provider"));
        }
        CredentialVault vault = services.vault();
        Instant now = vault.clock().instant();
        CredentialVault.Filter filter = new CredentialVault.Filter(provider, user, status, expiringWithin);
        CredentialVault.ListSummary summary;
        if (json()) {
            // one array, one credential per line: still one document, and cheap to write and to grep
            JsonGenerator json = terminal.jsonGenerator();
            boolean[] first = {true};
            summary = vault.list(filter, c -> {
                try {
                    json.writeRaw(first[0] ? "[\n" : ",\n");
                    CredentialRows.writeJson(json, c, now);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                first[0] = false;
            }, this::reportDamaged);
            json.writeRaw(first[0] ? "[]\n" : "\n]\n");
            json.flush();
        } else {
            // the header comes with the first rows, so a failure before them (a wrong master key) leaves stdout empty
            List<String> rows = new ArrayList<>();
            boolean[] streaming = {false};
            summary = vault.list(filter, c -> {
                String row = CredentialRows.row(c, now);
                if (streaming[0]) {
                    terminal.out().println(row);
                } else if (rows.add(row) && rows.size() > SORT_LIMIT) {
                    terminal.out().println(CredentialRows.HEADER);
                    rows.forEach(terminal.out()::println);
                    rows.clear();
                    streaming[0] = true;
                }
            }, this::reportDamaged);
            if (!streaming[0]) {
                terminal.out().println(CredentialRows.HEADER);
            }
            rows.sort(null);
            rows.forEach(terminal.out()::println);
        }
        terminal.out().flush();
        return summary.damaged() > 0 ? ExitCode.HUMAN_ACTION.code() : ExitCode.OK.code();
    }

    private void reportDamaged(CredentialVault.Damaged d) {
        terminal.error(DamagedRecords.line(d, null), null);
    }
}
