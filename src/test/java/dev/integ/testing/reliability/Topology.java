package dev.integ.testing.reliability;

/**
 * A replicated Redis set-up started by a test (real redis-server processes on free loopback ports),
 * which integ reaches by {@link #url()} and which the test can make fail over.
 */
public interface Topology extends AutoCloseable {
    /** "sentinel", "cluster". */
    String name();

    /** The --redis URL integ uses. */
    String url();

    /**
     * Makes a primary go away so that its replica takes over, waits (on the servers' own state, never a
     * clock) until the set-up is whole again, replica in sync included, and says what it did.
     *
     * @param round 1, 2, ...: each set-up varies the way it fails over by round
     */
    String failOver(int round);

    @Override
    void close();
}
