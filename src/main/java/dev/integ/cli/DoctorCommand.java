package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.ExitCode;
import dev.integ.core.Printable;
import dev.integ.doctor.Check;
import dev.integ.doctor.DoctorReport;
import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "doctor", sortOptions = false,
        header = "Check that integ can work: configuration, store, event log, keys and which providers are ready.",
        description = {"Prints a checklist (✓ ok, ! warning, ✗ failed) with a hint for every problem, "
                + "and exits 1 when anything failed. Warnings do not fail it. It appends one real doctor.check event to the "
                + "security event log and reads it back: every command that changes credentials or keys needs that to work."})
final class DoctorCommand extends ServiceCommand {

    DoctorCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        DoctorReport report = services.doctor().examine(services.flags(), services.environment());
        if (json()) {
            terminal.printJson(json(report));
        } else {
            render(report);
        }
        return report.healthy() ? ExitCode.OK.code() : ExitCode.FAILURE.code();
    }

    private void render(DoctorReport report) {
        var out = terminal.out();
        if (!terminal.quiet()) {
            out.println("Store: " + Printable.escape(report.store()));
        }
        int width = report.checks().stream().mapToInt(c -> c.name().length()).max().orElse(0);
        for (Check check : report.checks()) {
            if (terminal.quiet() && check.status() == Check.Status.OK) {
                continue;
            }
            String mark = switch (check.status()) {
                case OK -> terminal.style("@|green ✓|@");
                case WARN -> terminal.style("@|yellow !|@");
                case FAIL -> terminal.style("@|red ✗|@");
            };
            out.println(mark + " " + pad(check.name(), width) + "  " + Printable.escape(check.detail()));
            if (check.hint() != null) {
                out.println("  " + " ".repeat(width) + "  hint: " + Printable.escape(check.hint()));
            }
        }
        if (!terminal.quiet()) {
            long failed = report.checks().stream().filter(c -> c.status() == Check.Status.FAIL).count();
            out.println(failed == 0 ? "integ is ready." : failed + " check" + (failed == 1 ? "" : "s") + " failed.");
        }
        out.flush();
    }

    private static Map<String, Object> json(DoctorReport report) {
        List<Map<String, Object>> checks = new ArrayList<>();
        for (Check check : report.checks()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", check.name());
            c.put("status", check.status().name().toLowerCase(java.util.Locale.ROOT));
            c.put("detail", check.detail());
            c.put("hint", check.hint());
            checks.add(c);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("healthy", report.healthy());
        doc.put("store", report.store());
        doc.put("checks", checks);
        return doc;
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }
}
