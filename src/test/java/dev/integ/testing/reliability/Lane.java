package dev.integ.testing.reliability;

import dev.integ.testing.ObservableState;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;

/** A loop of ./integ processes, one at a time, until told to stop: the n-th gets {@code next.apply(n)} as its arguments. */
public final class Lane extends Thread {
    private final ReliabilityRig rig;
    private final IntFunction<String[]> next;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<ReliabilityRig.Run> runs = new CopyOnWriteArrayList<>();
    private volatile Throwable crashed;

    public Lane(ReliabilityRig rig, String name, IntFunction<String[]> next) {
        super("lane-" + name);
        this.rig = rig;
        this.next = next;
        setDaemon(true);
    }

    @Override
    public void run() {
        try {
            for (int n = 0; !stop.get(); n++) {
                runs.add(rig.run(next.apply(n)));
            }
        } catch (Throwable t) {
            crashed = t;
        }
    }

    /** Waits until one more process of this lane than now has exited 0. */
    public void awaitSuccess(Duration limit) {
        long before = succeeded();
        ObservableState.await(limit, getName() + ": one more ./integ exits 0 (so far " + summary() + ")",
                () -> crashed != null || succeeded() > before);
        if (crashed != null) {
            throw new AssertionError(getName() + " crashed", crashed);
        }
    }

    /** Stops after the process under way and waits for it. */
    public void finish() throws InterruptedException {
        stop.set(true);
        join(ReliabilityRig.LONGEST_COMMAND.toMillis() * 2);
        if (crashed != null) {
            throw new AssertionError(getName() + " crashed", crashed);
        }
    }

    public List<ReliabilityRig.Run> runs() {
        return List.copyOf(runs);
    }

    public long succeeded() {
        return runs.stream().filter(ReliabilityRig.Run::succeeded).count();
    }

    /** "12 runs, 10 exited 0". */
    public String summary() {
        return runs.size() + " runs, " + succeeded() + " exited 0";
    }
}
