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
        if (services.output() == Settings.Output.JSON) {
            terminal.printJson(document);
        } else if (!terminal.quiet()) {
            table.accept(terminal.out());
            terminal.out().flush();
        }
    }

    protected boolean json() {
        return services.output() == Settings.Output.JSON;
    }
}
