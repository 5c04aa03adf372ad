package dev.integ.store;

import dev.integ.core.IntegException;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Redis permissions each kind of integ user needs, as data: every Redis command integ sends (Jedis
 * calls and the {@code redis.call}s of its Lua scripts, which Redis checks against the same user) and
 * every key pattern, grouped by what integ does with them. {@code integ store acl} prints them as
 * {@code ACL SETUSER} lines; {@link StoreConnector#translate} names the least role that allows a
 * command Redis refused. A new Redis call in integ belongs here, or its role's test fails.
 *
 * <p>Keys passed to a script (EVALSHA/EVAL) need read and write permission in Redis 7 whatever the
 * script does, so only keys integ reads with plain commands get a read-only {@code %R~} selector.
 */
public final class AclRoles {

    /** From least to most privileged: {@link #leastRoleAllowing} answers in this order. */
    public enum Role {
        RESPONDER("events (read, tail, stats, check, verify) and events hash-user: reads the event log, writes nothing"),
        OPERATOR("connect, token, refresh, revoke, list, show, forget"),
        CRON("refresh --all, keys rotate/rewrap/retire, events check and verify"),
        ADMIN("everything integ does, keys init and rotate-master, import, ratelimit, doctor and store status included");

        private final String runs;

        Role(String runs) {
            this.runs = runs;
        }

        public String runs() {
            return runs;
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Role> parse(String s) {
            for (Role r : values()) {
                if (r.label().equals(s)) {
                    return Optional.of(r);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * One group of permissions: Redis commands (ACL names, {@code container|sub} for subcommands) and key
     * patterns ({@code NS} stands for the namespace), read-only or read and write, and why integ needs them.
     */
    public record Grant(String why, List<String> commands, List<String> keys, boolean readOnly, Set<Role> roles) {
        public boolean allows(String command) {
            return commands.contains(command);
        }
    }

    private static final Set<Role> WRITERS = EnumSet.of(Role.OPERATOR, Role.CRON, Role.ADMIN);
    private static final Set<Role> ALL = EnumSet.allOf(Role.class);

    private static final List<Grant> GRANTS = List.of(
            new Grant("Jedis names its connections 'integ' (CLIENT SETNAME), so CLIENT LIST shows them",
                    List.of("client|setname"), List.of(), false, ALL),
            new Grant("Cluster only: Jedis maps hash slots to nodes (harmless elsewhere)",
                    List.of("cluster|slots"), List.of(), false, ALL),
            new Grant("Cluster only: which shards have replicas to wait for (store.ClusterShape)",
                    List.of("cluster|nodes"), List.of(), false, WRITERS),
            new Grant("scripts run by hash, sent again with their body when the server lost them, loaded before a batch",
                    List.of("evalsha", "eval", "script|load"), List.of(), false, WRITERS),
            new Grant("credential, keyset and event writes wait for N replicas (redis.min-replica-acks; store.ReplicaAcks)",
                    List.of("wait"), List.of(), false, WRITERS),
            new Grant("record security events: the chained append script (HMGET the head, XADD on it, HSET the new head,"
                    + " XADD to the indexes, HINCRBY the hour and alert counters, PEXPIRE/PEXPIREAT them, a recorded trim:"
                    + " XRANGE, XREVRANGE, XTRIM, XLEN), the first append's read of the head (HMGET, XREVRANGE, HSETNX) and"
                    + " the alert marks (SET NX)",
                    List.of("xadd", "xtrim", "xrange", "xrevrange", "xlen", "hmget", "hget", "hset", "hsetnx", "hincrby", "pexpire",
                            "pexpireat", "time", "get", "set"),
                    List.of("NS:events:{NS}:*", "NS:events:alerted:*"), false, WRITERS),
            new Grant("the event log's keys, read only: the user-name HMAC key (hash-user, events --user) and the chain key"
                    + " (events verify)",
                    List.of("get"), List.of("NS:events:key", "NS:events:chain-key"), true, EnumSet.of(Role.RESPONDER)),
            new Grant("the event log's keys: the user-name HMAC key, created with SET NX by the first command that records"
                    + " a user, and the chain key, by the first command that records anything (keys rotate-master reseals"
                    + " them by a script)",
                    List.of("get", "set"), List.of("NS:events:key", "NS:events:chain-key"), false, WRITERS),
            new Grant("read the event log (events, stats from the hour counters, check, verify against the head; tail blocks"
                    + " on XREAD; the log before the chain)",
                    List.of("xrange", "xrevrange", "xread", "xlen", "hmget", "hgetall"), List.of("NS:events", "NS:events:{NS}:*"), true,
                    EnumSet.of(Role.RESPONDER)),
            new Grant("read the event log (events check and verify; doctor reads its own event back)",
                    List.of("xrange", "xrevrange", "xread", "xlen", "hmget", "hgetall"), List.of("NS:events"), true,
                    EnumSet.of(Role.CRON, Role.ADMIN)),
            new Grant("load and re-confirm the data keyset (a script: HGETALL, HGET, TIME; script keys need read and write)",
                    List.of("hgetall", "hget", "time"), List.of("NS:keyset"), false, WRITERS),
            new Grant("credentials: SCAN + HMGET to read and list, the checked-write script (HGET, HSET, TIME,"
                    + " PERSIST or PEXPIREAT), DEL for forget and revoke",
                    List.of("scan", "hmget", "hget", "hset", "time", "persist", "pexpireat", "del"),
                    List.of("NS:cred:*"), false, WRITERS),
            new Grant("single-flight refresh: the lock script (EXISTS, INCR the fence, SET PX) and its lease"
                    + " (GET, PTTL, PEXPIRE, compare-and-DEL)",
                    List.of("exists", "incr", "set", "get", "pttl", "pexpire", "del"),
                    List.of("NS:lock:refresh:*", "NS:fence:refresh:*"), false, WRITERS),
            new Grant("provider calls take rate-limit permits (the GCRA script: TIME, GET, SET PX)",
                    List.of("time", "get", "set"), List.of("NS:rl:*"), false, WRITERS),
            new Grant("keys jobs: the keys lock (SET NX PX, PTTL, lease script) and the keyset's compare-and-set"
                    + " script (HGET, DEL, HSET)",
                    List.of("set", "pttl", "get", "pexpire", "del", "hget", "hset"),
                    List.of("NS:lock:keys", "NS:keyset"), false, EnumSet.of(Role.CRON, Role.ADMIN)),
            new Grant("ratelimit reset and test --dry-run: SCAN and DEL the buckets",
                    List.of("scan", "del"), List.of("NS:rl:*"), false, EnumSet.of(Role.ADMIN)),
            new Grant("doctor and store status: INFO (version, persistence, replication), CONFIG GET (appendonly, save,"
                    + " min-replicas-*), DBSIZE, and the write probe (SET, GET, DEL, EXISTS)",
                    List.of("info", "config|get", "dbsize", "set", "get", "del", "exists"),
                    List.of("NS:doctor:probe"), false, EnumSet.of(Role.ADMIN)));

    private static final Pattern DENIED_COMMAND = Pattern.compile("no permissions to run the '([^']+)' command");
    private static final Pattern DENIED_KEY = Pattern.compile(
            "(no permissions to access (one of the keys|a key))|(can't access at least one of the keys)", Pattern.CASE_INSENSITIVE);
    private static final Pattern DENIED_IN_SCRIPT = Pattern.compile("can't run this command or subcommand", Pattern.CASE_INSENSITIVE);

    private AclRoles() {
    }

    public static List<Grant> grants() {
        return GRANTS;
    }

    /** Every grant of {@code role}. */
    public static List<Grant> of(Role role) {
        return GRANTS.stream().filter(g -> g.roles().contains(role)).toList();
    }

    /** Every Redis command {@code role} may run, each once. */
    public static Set<String> commands(Role role) {
        Set<String> commands = new TreeSet<>();
        of(role).forEach(g -> commands.addAll(g.commands()));
        return commands;
    }

    /** The least privileged role that may run {@code command} (an ACL name, lower case). */
    public static Optional<Role> leastRoleAllowing(String command) {
        String c = command.toLowerCase(Locale.ROOT);
        for (Role role : Role.values()) {
            if (commands(role).contains(c)) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }

    /**
     * The {@code ACL SETUSER} lines for {@code role} in {@code namespace}, each after a {@code #} line that
     * says why. No password: the caller tells the operator how to add one.
     */
    public static List<String> setUserLines(Role role, String user, String namespace) {
        List<String> lines = new ArrayList<>();
        lines.add("# start from nothing: no commands, no keys, no channels (events tail reads a stream, not pub/sub), no password yet");
        lines.add("ACL SETUSER " + user + " reset on");
        for (Grant g : of(role)) {
            StringBuilder line = new StringBuilder("ACL SETUSER ").append(user);
            g.commands().forEach(c -> line.append(" +").append(c));
            for (String key : g.keys()) {
                line.append(' ').append(g.readOnly() ? "%R~" : "~").append(key.replace("NS", namespace));
            }
            lines.add("# " + g.why());
            lines.add(line.toString());
        }
        return lines;
    }

    /** True when {@code message} is Redis' ACL refusing a command, key or channel (Redis 6.2 to 7.x wordings). */
    public static boolean isDenial(String message) {
        return message != null && (message.startsWith("NOPERM") || DENIED_KEY.matcher(message).find()
                || DENIED_IN_SCRIPT.matcher(message).find());
    }

    /**
     * Redis' ACL refusal as exit 5 naming what was refused and the least role that allows it.
     *
     * @param what what failed, e.g. "cannot use the store (...)"
     */
    public static IntegException denied(String what, String message, Throwable cause) {
        Matcher command = DENIED_COMMAND.matcher(message);
        if (command.find()) {
            String name = command.group(1).toLowerCase(Locale.ROOT);
            Optional<Role> role = leastRoleAllowing(name);
            return IntegException.humanAction(what, "Redis' ACL denies integ's user the command '" + name + "'",
                    role.map(r -> "this needs the '" + r.label() + "' role (roles with it: " + holders(name)
                                    + "): integ store acl --role " + r.label())
                            .orElse("integ does not send '" + name + "' on purpose; see 'integ store acl --role admin'"))
                    .withCause(cause);
        }
        if (DENIED_KEY.matcher(message).find()) {
            return IntegException.humanAction(what, "Redis' ACL denies integ's user a key this command uses",
                    "give the Redis user the role that runs this command (responder, operator, cron, admin: see"
                            + " 'integ store acl --help'): integ store acl --role ROLE").withCause(cause);
        }
        return IntegException.humanAction(what, "Redis' ACL denies integ's user: " + RedisErrors.plain(message),
                "give the Redis user the role that runs this command: integ store acl --role ROLE").withCause(cause);
    }

    private static String holders(String command) {
        List<String> roles = new ArrayList<>();
        for (Role r : Role.values()) {
            if (commands(r).contains(command)) {
                roles.add(r.label());
            }
        }
        return String.join(", ", roles);
    }
}
