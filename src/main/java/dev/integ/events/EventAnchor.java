package dev.integ.events;

import dev.integ.core.IntegException;
import dev.integ.store.PrivateFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The chain head checkpointed in an append-only file outside Redis ({@code events.anchor-file},
 * {@code INTEG_EVENTS_ANCHOR_FILE}): one line per checkpoint,
 * {@code integ-anchor-v1 TAB namespace TAB seq TAB mac TAB stream-id TAB time}. A process writes the
 * head after its first append, then at most once per {@link #EVERY} and when it ends, so a log deleted
 * in Redis (head key included) is still found out by `events verify`. Each line is one write(2) with
 * O_APPEND, so concurrent processes never interleave; the file is created 0600.
 */
public class EventAnchor {
    public static final EventAnchor NONE = new EventAnchor(null, Clock.systemUTC()) {
        @Override
        public void note(String namespace, long seq, byte[] mac, String id, boolean force) {
        }

        @Override
        public void flush() {
        }
    };
    static final Duration EVERY = Duration.ofSeconds(1);
    private static final String MAGIC = "integ-anchor-v1";

    /** One checkpoint read back. */
    public record Line(String namespace, long seq, String mac, String id, String time) {
    }

    private final Path file;
    private final Clock clock;
    private Instant lastWritten;
    private String pending;

    public EventAnchor(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    public Path file() {
        return file;
    }

    /** The head after an append: written at once when it is this process' first or {@link #EVERY} has passed. */
    public synchronized void note(String namespace, long seq, byte[] mac, String id, boolean force) {
        Instant now = clock.instant();
        pending = String.join("\t", MAGIC, namespace, Long.toString(seq), ChainKey.hex(mac), id, now.toString()) + "\n";
        if (force || lastWritten == null || !now.isBefore(lastWritten.plus(EVERY))) {
            write(now);
        }
    }

    /** Writes the newest head noted and not yet written. */
    public synchronized void flush() {
        if (pending != null) {
            write(clock.instant());
        }
    }

    private void write(Instant now) {
        try {
            if (!Files.exists(file)) {
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null && !Files.isDirectory(parent)) {
                    PrivateFiles.createDirectory(parent);
                }
                PrivateFiles.touch(file);
            }
            Files.write(file, pending.getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
            pending = null;
            lastWritten = now;
        } catch (IOException e) {
            throw IntegException.humanAction("cannot append to the event anchor file " + file, e.toString(),
                    "make it writable by this user, or unset events.anchor-file / INTEG_EVENTS_ANCHOR_FILE; the event itself was recorded");
        }
    }

    /** The checkpoints of {@code namespace}, oldest first; none when the file does not exist. */
    public List<Line> read(String namespace) {
        List<Line> lines = new ArrayList<>();
        if (file == null) {
            return lines;
        }
        try {
            for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] f = l.split("\t", -1);
                if (f.length >= 6 && f[0].equals(MAGIC) && f[1].equals(namespace)) {
                    try {
                        lines.add(new Line(f[1], Long.parseLong(f[2]), f[3], f[4], f[5]));
                    } catch (NumberFormatException damaged) {
                        lines.add(new Line(f[1], -1, f[3], f[4], f[5]));
                    }
                }
            }
        } catch (NoSuchFileException none) {
            return lines;
        } catch (IOException e) {
            throw IntegException.humanAction("cannot read the event anchor file " + file, e.toString(), "make it readable by this user");
        }
        return lines;
    }
}
