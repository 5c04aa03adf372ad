package dev.integ.store;

import dev.integ.core.IntegException;
import redis.clients.jedis.exceptions.JedisBroadcastException;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What Redis' error replies mean to the person running integ, in one place. {@link StoreConnector#translate},
 * the event log and doctor all ask here, so a full or failing server reads the same on every path: exit 4
 * with a plain reason and a hint, and never the script hash and line Redis appends to an error raised
 * inside a Lua script ({@code OOM command not allowed ... script: b5ec..., on @user_script:12.}).
 */
public final class RedisErrors {
    /** "java.net.SocketException: " and the like, as Jedis and the JDK prefix their messages. */
    private static final Pattern JAVA_CLASS_PREFIX = Pattern.compile("\\b(?:[a-z]+\\.)+[A-Z]\\w*(?:Exception|Error): ");

    /** Redis 7 appends " script: SHA, on @user_script:N." to an error raised inside a script. */
    private static final Pattern SCRIPT_SUFFIX = Pattern.compile("\\s*\\bscript: [0-9a-fA-F]{40}.*$");
    /** Redis 6 wraps it: "ERR Error running script (call to f_SHA): @user_script:N: ...". */
    private static final Pattern SCRIPT_CALL = Pattern.compile("\\s*\\(call to f_[0-9a-fA-F]{40}\\)");
    private static final Pattern ANY_SHA = Pattern.compile("\\b[0-9a-fA-F]{40}\\b");
    private static final Pattern FIRST_WORD = Pattern.compile("^([A-Z]+)\\b");
    /** The error a Redis 6 script error wraps: "ERR Error running script ...: -OOM command not allowed ...". */
    private static final Pattern WRAPPED_CODE = Pattern.compile("\\s-([A-Z]+)\\b");

    /** A state of the server that passes (or that an admin fixes) without changing integ's command. */
    private enum ServerState {
        OOM("Redis is full: maxmemory reached",
                "free memory on the server or raise its maxmemory, then retry; keep maxmemory-policy noeviction"
                        + " (an evicting policy would drop stored credentials)"),
        MISCONF("Redis cannot persist to disk (MISCONF), so it refuses writes",
                "fix the server's persistence (disk space, permissions of its dir; its log says why the last save failed), then retry"),
        READONLY("connected to a read-only replica",
                "point integ at the primary (or use a redis-sentinel:// URL, which follows failovers), then retry"),
        LOADING("Redis is loading its data",
                "retry when it has finished loading (it was restarted, or is syncing from its primary)"),
        NOREPLICAS("Redis refuses writes: fewer replicas are connected than its min-replicas-to-write",
                "retry when its replicas are back; check replication on the server"),
        BUSY("Redis is busy running a script",
                "retry later; an admin can stop a runaway script with SCRIPT KILL (FUNCTION KILL for a function)"),
        MASTERDOWN("the replica has lost its link to its primary (MASTERDOWN)",
                "retry when replication is back, or point integ at the primary"),
        CLUSTERDOWN("the Redis Cluster is down",
                "retry when every hash slot is served again; 'integ doctor' checks the store"),
        TRYAGAIN("the Redis Cluster is moving the keys involved",
                "retry in a moment"),
        MOVED("the Redis Cluster moved the keys involved to another node (a failover or a resharding)",
                "retry in a moment"),
        ASK("the Redis Cluster is moving the keys involved to another node",
                "retry in a moment"),
        UNBLOCKED("the server stopped waiting for new events: it is no longer the primary (a failover) or an admin unblocked the read",
                "retry; a redis-sentinel:// or redis-cluster:// URL follows the new primary");

        private final String why;
        private final String hint;

        ServerState(String why, String hint) {
            this.why = why;
            this.hint = hint;
        }
    }

    private RedisErrors() {
    }

    /**
     * The failure, when {@code e} says the server is in a state that passes or that its admin fixes (full,
     * cannot persist, a replica, loading, busy, ...): exit 4, a plain reason and what to do.
     *
     * @param what what failed, e.g. "cannot write the security event log integ:events"
     */
    public static Optional<IntegException> serverState(JedisException e, String what) {
        String code = code(e.getMessage());
        for (ServerState state : ServerState.values()) {
            if (state.name().equals(code)) {
                return Optional.of(IntegException.retryLater(what, state.why, state.hint, e));
            }
        }
        return Optional.empty();
    }

    /**
     * A failure that passes without anyone changing integ's command: the connection is gone (a server
     * restarting, a primary killed) or the server is in a passing state (a failover under way, loading).
     */
    public static boolean passing(JedisException e) {
        return e instanceof JedisConnectionException || clusterFailingOver(e) || serverState(e, "").isPresent();
    }

    /**
     * A Cluster that is failing over, as Jedis reports it: it ran out of redirections and retries ("No more
     * cluster attempts left"), or a command sent to every primary (SCRIPT LOAD, SCAN) failed on one of
     * them for such a reason.
     */
    public static boolean clusterFailingOver(JedisException e) {
        if (e instanceof JedisClusterOperationException) {
            return true;
        }
        if (e instanceof JedisBroadcastException broadcast) {
            return broadcast.getReplies().values().stream().anyMatch(r -> r instanceof JedisException failed && passing(failed));
        }
        return false;
    }

    /** True when Redis answered WRONGTYPE: the key holds another kind of value. */
    public static boolean wrongType(JedisException e) {
        return "WRONGTYPE".equals(code(e.getMessage()));
    }

    /**
     * Why a connection failed, in words: the innermost cause's message ("Connection reset"), never a
     * Java class name ("java.net.SocketException: ..."), which Jedis puts in its own messages.
     */
    public static String connectionProblem(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null || root.getMessage().isBlank() ? root.getClass().getSimpleName() : root.getMessage();
        return plain(JAVA_CLASS_PREFIX.matcher(message).replaceAll(""));
    }

    /** A Redis error reply as one plain line, without the script hash and location of a script error. */
    public static String plain(String message) {
        if (message == null || message.isBlank()) {
            return "no detail";
        }
        int nl = message.indexOf('\n');
        return withoutScriptTrace(nl < 0 ? message : message.substring(0, nl));
    }

    /** {@code message} without a Lua script's hash and what Redis appends after it; the rest as it is. */
    public static String withoutScriptTrace(String message) {
        if (message == null) {
            return null;
        }
        String s = SCRIPT_SUFFIX.matcher(message).replaceAll("");
        s = SCRIPT_CALL.matcher(s).replaceAll("");
        return ANY_SHA.matcher(s).replaceAll("(script)");
    }

    /** The error code: the reply's first word, or for a Redis 6 script error the code of the error it wraps. */
    private static String code(String message) {
        if (message == null) {
            return "";
        }
        Matcher first = FIRST_WORD.matcher(message);
        String code = first.find() ? first.group(1) : "";
        if (code.equals("ERR")) {
            Matcher wrapped = WRAPPED_CODE.matcher(message);
            if (wrapped.find()) {
                return wrapped.group(1);
            }
        }
        return code;
    }
}
