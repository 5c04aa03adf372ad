package dev.integ.events;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Where `events tail` is in the log, and where it goes on after it lost the store.
 *
 * <p>Redis replicates asynchronously, so the tail may have read events that a failover then loses: the
 * primary it read them from died before its replica had them, or, after a forced failover, it was still
 * a primary for a moment and took events that vanish when it resyncs as a replica. Those writes were not
 * confirmed, and their commands failed. Resuming after such an event would skip every event the new
 * primary got with a smaller id in the meantime; so after a lost connection the tail resumes after the
 * newest event it read that the log still has, and names the ones it printed that the log no longer has.
 *
 * <p>A failover does not always show as an error: after a forced failover the client's pool moves to the
 * new primary when Sentinel says so, and a blocked read on the old one can simply time out. So the tail
 * also checks, before printing a batch, that the log still has the newest event it read ({@link #lastRead});
 * if not, it resumes as after a lost connection.
 */
final class TailPosition {
    /** Far more events than a failover can lose; older ids are forgotten so memory stays flat. */
    static final int REMEMBERED = 10_000;

    private final Deque<Read> read = new ArrayDeque<>();
    /** The id to read after when nothing read is remembered: the start, or what resuming went back to. */
    private String floor;
    private boolean forgotten;

    private record Read(String id, boolean delivered) {
    }

    /** @param start the id the tail started after */
    TailPosition(String start) {
        this.floor = start;
    }

    /** The tail read {@code id}; {@code delivered}: it passed the filter and was printed. */
    void read(String id, boolean delivered) {
        read.addLast(new Read(id, delivered));
        if (read.size() > REMEMBERED) {
            read.removeFirst();
            forgotten = true;
        }
    }

    /** The id to read after: the last one read (or the start). */
    String last() {
        return read.isEmpty() ? floor : read.getLast().id();
    }

    /** The newest id read from the log, which must still be there before what follows it is printed; null if none. */
    String lastRead() {
        return read.isEmpty() ? null : read.getLast().id();
    }

    /**
     * After a lost connection: drops the newest ids the log no longer has ({@code exists} asks the
     * store), passes those that were delivered to {@code withdrawn} (oldest first), and returns the id to
     * resume after.
     */
    String resume(Predicate<String> exists, Consumer<String> withdrawn) {
        List<String> gone = new ArrayList<>();
        String oldestGone = null;
        while (!read.isEmpty() && !exists.test(read.getLast().id())) {
            Read r = read.removeLast();
            oldestGone = r.id();
            if (r.delivered()) {
                gone.add(0, r.id());
            }
        }
        gone.forEach(withdrawn);
        if (read.isEmpty() && forgotten && oldestGone != null) {
            // more vanished than is remembered: go on after the oldest id known, rather than print the start's events again
            floor = oldestGone;
        }
        return last();
    }
}
