package dev.integ.api;

import dev.integ.core.IntegException;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads what an option names ("FILE" or "-" for stdin) up to a limit, so /dev/zero is an error and not a heap. */
public final class InputFiles {
    private InputFiles() {
    }

    /** @param option how errors name it ("--input") */
    public static byte[] bytes(String fileOrDash, InputStream stdin, long limit, String option) {
        try (InputStream in = "-".equals(fileOrDash) ? nonClosing(stdin) : Files.newInputStream(Path.of(fileOrDash))) {
            byte[] data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (data.length > limit) {
                throw IntegException.usage(option + " " + fileOrDash + " is larger than " + describe(limit), "integ reads at most that much", null);
            }
            return data;
        } catch (NoSuchFileException e) {
            throw IntegException.notFound(option + " " + fileOrDash + ": no such file", "give an existing file, or - for stdin", null);
        } catch (IOException e) {
            throw IntegException.usage("cannot read " + option + " " + fileOrDash, String.valueOf(e.getMessage()), null);
        }
    }

    /** The file as UTF-8 text: bytes that are not UTF-8 are refused, never replaced. */
    public static String text(String fileOrDash, InputStream stdin, long limit, String option) {
        byte[] data = bytes(fileOrDash, stdin, limit, option);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            throw IntegException.usage(option + " " + fileOrDash + " is not UTF-8 text", "convert it to UTF-8 first", null);
        }
    }

    private static String describe(long limit) {
        return limit >= 1024 * 1024 ? (limit / (1024 * 1024)) + " MiB" : limit >= 1024 ? (limit / 1024) + " KiB" : limit + " bytes";
    }

    private static InputStream nonClosing(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public void close() {
                // stdin belongs to the process, not to this read
            }
        };
    }
}
