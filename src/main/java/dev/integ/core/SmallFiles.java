package dev.integ.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a file that is small by nature (the config file, a password or secret file) within a bound,
 * checked while reading rather than by its size, which is 0 for {@code /dev/zero} and a pipe. A file
 * past the bound, or not UTF-8, is a usage error (exit 2) naming the file and the limit, before
 * anything parses it.
 */
public final class SmallFiles {
    private SmallFiles() {
    }

    /**
     * @param what how messages name the file: "config file", "Redis password file"
     * @throws IOException when the file cannot be read at all (missing, a directory, no permission)
     */
    public static String read(Path file, int maxBytes, String what) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(maxBytes + 1);
        }
        if (bytes.length > maxBytes) {
            throw IntegException.usage("the " + what + " " + Echo.of(file.toString()) + " is larger than "
                    + BoundedLineReader.mebibytes(maxBytes) + ", the most integ reads from one", null, "is it the right file?");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw IntegException.usage("the " + what + " " + Echo.of(file.toString()) + " is not UTF-8 text", null, "is it the right file?");
        }
    }
}
