package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.Echo;
import dev.integ.core.IntegException;
import dev.integ.store.AclRoles;
import dev.integ.store.AclRoles.Role;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

@Command(name = "acl", header = "Print the Redis ACL SETUSER lines of a least-privilege role.",
        description = {"Roles: responder (events, events tail/stats/check, events hash-user; writes nothing), "
                + "operator (connect, token, refresh, revoke, list, show, forget), cron (refresh --all, keys rotate, "
                + "rewrap and retire, events check), admin (everything, keys init and rotate-master included; "
                + "run 'integ keys init' as admin first: it creates the keys the other roles only read).",
                "Each line follows a '#' line that says why. Keys are those of the namespace (--namespace). "
                        + "No password is printed: add one in redis-cli as a SHA-256 hash (ACL SETUSER NAME #HEX), "
                        + "so it is never in any argv. Needs Redis 7 or later (%%R~ read-only key patterns). "
                        + "Connects to nothing."})
final class StoreAclCommand extends ServiceCommand {
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}");

    @Option(names = "--role", required = true, paramLabel = "ROLE", description = "admin, operator, cron or responder.")
    String role;

    @Option(names = "--user", paramLabel = "NAME", description = "The Redis user name (default: integ-ROLE).")
    String user;

    StoreAclCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        Role r = Role.parse(role).orElseThrow(() -> IntegException.usage("unknown role '" + Echo.of(role) + "'",
                "roles are admin, operator, cron and responder", "see 'integ store acl --help'"));
        String name = user == null ? "integ-" + r.label() : user;
        if (!USER.matcher(name).matches()) {
            throw IntegException.usage("invalid Redis user name '" + Echo.of(name) + "'",
                    "use 1 to 64 letters, digits, '.', '_', '@' or '-'", null);
        }
        String namespace = services.settings().namespace();
        List<String> lines = AclRoles.setUserLines(r, name, namespace);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("role", r.label());
        doc.put("user", name);
        doc.put("namespace", namespace);
        doc.put("lines", lines.stream().filter(l -> !l.startsWith("#")).toList());
        render(doc, out -> print(out, r, name, namespace, lines));
        return 0;
    }

    private static void print(PrintWriter out, Role role, String name, String namespace, List<String> lines) {
        out.println("# integ role '" + role.label() + "' (" + role.runs() + ") on namespace '" + namespace + "', Redis 7+");
        out.println("# run as a Redis admin:  integ store acl --role " + role.label() + " | grep -v '^#' | redis-cli --user ADMIN --askpass");
        out.println("# then add the password as a hash, typed in redis-cli, never in argv:  tr -d '\\n' < PASSWORD_FILE | sha256sum");
        out.println("#   redis-cli --user ADMIN --askpass   then   ACL SETUSER " + name + " #<that hex>   (rerunning these lines resets it)");
        out.println("# integ then connects as:  redis://" + name + "@HOST:PORT with the password in INTEG_REDIS_PASSWORD_FILE");
        lines.forEach(out::println);
    }
}
