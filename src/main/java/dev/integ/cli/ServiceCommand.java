package dev.integ.cli;

import dev.integ.Services;
import dev.integ.config.Settings;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * A command that calls a service and renders its result. Subclasses declare a constructor taking
 * (Services, Terminal): that is how {@link CommandLineFactory} hands them the composition root.
 */
abstract class ServiceCommand implements Callable<Integer> {
    protected final Services services;
    protected final Terminal terminal;

    ServiceCommand(Services services, Terminal terminal) {
        this.services = services;
        this.terminal = terminal;
    }

    /** With -o json prints {@code document}; otherwise lets {@code table} write, unless -q. */
    protected void render(Object document, Consumer<PrintWriter> table) {
        if (json()) {
            terminal.printJson(document);
        } else if (!terminal.quiet()) {
            table.accept(terminal.out());
            terminal.out().flush();
        }
    }

    /**
     * Destructive commands ask first on a terminal; without one (cron, scripts) they need --yes.
     *
     * @param verb     "delete", "reset"
     * @param what     what the question names ("the stored credential slack/alice")
     * @param shortWhat what the refusal names ("slack/alice")
     */
    protected void confirm(boolean yes, String verb, String what, String shortWhat) {
        if (yes || terminal.confirm(Character.toUpperCase(verb.charAt(0)) + verb.substring(1) + " " + what + "?")) {
            return;
        }
        throw terminal.interactive()
                ? dev.integ.core.IntegException.failure("not " + (verb.endsWith("e") ? verb + "d" : verb), "you said no", null, null)
                : dev.integ.core.IntegException.usage("refusing to " + verb + " " + shortWhat + " without confirmation",
                "there is no terminal to ask on", "add --yes");
    }

    /**
     * The provider of a stored credential as the user named it, for commands that only read or delete
     * it (token, show, forget, revoke --local-only): a built-in or configured provider, or a name a
     * credential of {@code user} is stored under (imported with --allow-unknown-provider); else "unknown
     * provider", exit 2, as everywhere.
     */
    protected String storedProvider(String provider, String user) {
        return services.providers().knownName(provider, "PROVIDER", name -> services.vault().store().get(name, user).isPresent());
    }

    protected boolean json() {
        return services.output() == Settings.Output.JSON;
    }
}
