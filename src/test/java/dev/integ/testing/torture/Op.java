package dev.integ.testing.torture;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One ./integ process of a torture run: what it was asked (argv, never a secret), which credentials it
 * claims to install or forget, when it ran, and how it ended. Its id is also its caller tag at the fake
 * provider, so the fake's ledger says which refresh tokens it redeemed.
 */
public final class Op {
    /** What an operation does; every kind is one ./integ invocation. */
    public enum Kind {
        INIT, IMPORT, TOKEN, REFRESH, REFRESH_ALL, FORGET, CONNECT, ROTATE, REWRAP, STATUS, RETIRE, LIST;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** The exit code reported for a process killed with SIGKILL (128 + 9). */
    public static final int SIGKILLED = 137;

    public final String id;
    public final Kind kind;
    /** "w1".."wN" for a worker, "scene-keys" and "scene-cred" for scripted stalls, "setup" and "check" around the chaos. */
    public final String lane;
    public final List<String> args;
    /** The user a single-credential command names, or null. */
    public final String user;
    /** Users whose credential this op writes anew (import lines, connect), with the grant number at the fake (0: not known yet). */
    public final Map<String, Integer> installs;

    volatile Process process;
    volatile long startNanos;
    volatile long endNanos;
    volatile int exitCode = -1;
    volatile boolean killSent;
    volatile boolean stopped;
    volatile boolean timedOut;
    volatile String stderrHead = "";
    volatile boolean stackTrace;
    /** Data keys this process called unknown when it reported a record as damaged ("encrypted under key K, which..."). */
    volatile Set<String> unknownKeysReported = Set.of();

    Op(String id, Kind kind, String lane, List<String> args, String user, Map<String, Integer> installs) {
        this.id = id;
        this.kind = kind;
        this.lane = lane;
        this.args = List.copyOf(args);
        this.user = user;
        this.installs = Map.copyOf(installs);
    }

    /** Ended by our kill -9 (a kill sent after the process had exited on its own does not count). */
    public boolean killed() {
        return killSent && exitCode == SIGKILLED;
    }

    public boolean succeeded() {
        return exitCode == 0;
    }

    /** Ran to its own end with a non-zero exit. */
    public boolean failed() {
        return !killed() && exitCode != 0;
    }

    public int exitCode() {
        return exitCode;
    }

    public long startNanos() {
        return startNanos;
    }

    public long endNanos() {
        return endNanos;
    }

    /** Ended before {@code other} started: whatever this one wrote happened before anything {@code other} wrote. */
    public boolean endedBefore(Op other) {
        return endNanos < other.startNanos;
    }

    public boolean writes(String credentialUser) {
        return installs.containsKey(credentialUser) || kind == Kind.CONNECT && credentialUser.equals(user);
    }

    /** "op-17 (import, exit 0)" */
    public String describe() {
        String end = timedOut ? "hung" : killed() ? "killed -9" : "exit " + exitCode;
        return id + " (" + kind.label() + (user == null ? "" : " " + user) + ", " + lane + ", " + end + (stopped ? ", was stopped" : "") + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
