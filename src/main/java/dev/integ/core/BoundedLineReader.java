package dev.integ.core;

import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Lines of UTF-8 text read within limits: no line longer than {@code maxLineChars}, no more than
 * {@code maxBytes} in all, and bytes that are not UTF-8 refused. Each refusal is one usage error
 * (exit 2) naming the source, the line and the limit, so {@code /dev/zero}, a binary file or one
 * 50 MB line is answered in a line of text and bounded memory instead of an OutOfMemoryError.
 */
public final class BoundedLineReader extends BufferedReader {
    private final String source;
    private final String hint;
    private final int maxLineChars;
    private final long maxBytes;
    private int lineNumber;

    /**
     * @param source how messages name the input: "tokens.jsonl", "standard input"
     * @param hint   what to tell someone whose line was refused: what the input should be
     */
    public BoundedLineReader(InputStream in, String source, int maxLineChars, long maxBytes, String hint) {
        // bytes that are not UTF-8 become U+FFFD, so the line they are on is known exactly (a decoder that
        // reports them would do so a chunk ahead of the line being read)
        super(new InputStreamReader(new Capped(in, maxBytes), StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)), 1 << 16);
        this.source = source;
        this.hint = hint;
        this.maxLineChars = maxLineChars;
        this.maxBytes = maxBytes;
    }

    /** The next line without its line break ({@code \n} or {@code \r\n}), or null at the end of the input. */
    @Override
    public String readLine() throws IOException {
        StringBuilder line = new StringBuilder(256);
        int c;
        try {
            while ((c = read()) != -1 && c != '\n') {
                if (line.length() == maxLineChars) {
                    throw IntegException.usage(source + ": line " + (lineNumber + 1) + " is longer than " + maxLineChars
                            + " characters, the longest line integ reads", null, hint);
                }
                if (c == '\uFFFD') {
                    throw IntegException.usage(source + ": line " + (lineNumber + 1) + " is not UTF-8 text", null, hint);
                }
                line.append((char) c);
            }
        } catch (Capped.TooLarge e) {
            throw IntegException.usage(source + " is larger than " + mebibytes(maxBytes) + ", the most integ reads at once", null,
                    "split it into parts and give each its own run");
        }
        if (c == -1 && line.isEmpty()) {
            return null;
        }
        lineNumber++;
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
    }

    static String mebibytes(long bytes) {
        return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes % 1024 == 0 ? (bytes >> 10) + " KiB" : bytes + " bytes";
    }

    /** Counts the bytes that pass and stops past the cap, so not even the decoder reads more. */
    static final class Capped extends FilterInputStream {
        static final class TooLarge extends IOException {
            private static final long serialVersionUID = 1L;

            TooLarge() {
                super(null, null);
            }
        }

        private final long max;
        private long count;

        Capped(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b != -1) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            long room = max - count; // never negative: count passing max throws
            int n = super.read(b, off, (int) Math.min(len, room == Long.MAX_VALUE ? room : room + 1));
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws TooLarge {
            count += n;
            if (count > max) {
                throw new TooLarge();
            }
        }
    }
}
