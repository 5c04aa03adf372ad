package dev.integ;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The repository holds source: text, and small. A binary (a wheel, a jar, a redis-server build) or
 * a large file committed by accident would ride along in every clone forever, so the build fails
 * when one is tracked, unless it is on {@link #ALLOWED} with the reason it belongs in git.
 * It reads what {@code git ls-files} lists (a staged file too, before it is ever committed).
 */
class TrackedFilesTest {
    /** 1 MiB: the largest file today (a generated completion script) is under 100 KiB. */
    static final long MAX_BYTES = 1L << 20;

    /** Path (as git prints it) -> why it is tracked although it is binary or large. */
    static final Map<String, String> ALLOWED = Map.of(
            "docs/images/connect-signed-in.png", "README shows the sign-in page as a browser renders it (20 KB; "
                    + "ReceiverPageScreenshot makes it again)");

    /** Surefire and Failsafe run in the project root. */
    private final Path root = Path.of("").toAbsolutePath();

    @Test
    void everyTrackedFileIsSmallTextOrAllowed() throws IOException, InterruptedException {
        assumeTrue(Files.exists(root.resolve(".git")),
                "assumes a git checkout: " + root + " has no .git (a source tarball?), so there is no list of tracked files to check");
        List<String> tracked = trackedFiles();
        assertThat(tracked).as("git ls-files in " + root).isNotEmpty();

        List<String> problems = new ArrayList<>();
        for (String path : tracked) {
            if (ALLOWED.containsKey(path)) {
                continue;
            }
            Path file = root.resolve(path);
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                continue; // deleted in the working tree, or a symbolic link (its content is a path)
            }
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                problems.add(path + " (" + size + " bytes, over 1 MiB)");
            } else {
                textProblem(Files.readAllBytes(file)).ifPresent(why -> problems.add(path + " (" + why + ")"));
            }
        }
        assertThat(problems)
                .as("tracked files that are binary or over 1 MiB: untrack them (git rm --cached FILE), or add them to "
                        + "TrackedFilesTest.ALLOWED with the reason they belong in git")
                .isEmpty();
    }

    @Test
    void theAllowListNamesOnlyTrackedFiles() throws IOException, InterruptedException {
        assumeTrue(Files.exists(root.resolve(".git")), "assumes a git checkout: " + root + " has no .git");
        assertThat(trackedFiles()).as("a stale allow-list entry would let a new file in under an old name")
                .containsAll(ALLOWED.keySet());
    }

    @Test
    void tellsBinaryFromText() {
        assertThat(textProblem("plain ✓ text\n".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(textProblem(new byte[] {'P', 'K', 3, 4, 0, 0})).contains("binary: NUL byte at offset 4");
        assertThat(textProblem(new byte[] {'a', (byte) 0xC3, '(', 'b'})).contains("not UTF-8 text");
    }

    static Optional<String> textProblem(byte[] content) {
        for (int i = 0; i < content.length; i++) {
            if (content[i] == 0) {
                return Optional.of("binary: NUL byte at offset " + i);
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(content));
            return Optional.empty();
        } catch (CharacterCodingException e) {
            return Optional.of("not UTF-8 text");
        }
    }

    private List<String> trackedFiles() throws IOException, InterruptedException {
        Process git = new ProcessBuilder("git", "-c", "core.quotePath=false", "ls-files", "-z")
                .directory(root.toFile())
                .redirectErrorStream(true)
                .start();
        ByteArrayOutputStream listing = new ByteArrayOutputStream();
        try (InputStream in = git.getInputStream()) {
            in.transferTo(listing);
        }
        assertThat(git.waitFor(60, TimeUnit.SECONDS)).as("git ls-files ended").isTrue();
        String text = listing.toString(StandardCharsets.UTF_8);
        assertThat(git.exitValue()).as("git ls-files in a checkout with .git: " + text).isZero();
        List<String> paths = new ArrayList<>();
        for (String path : text.split("\0")) {
            if (!path.isEmpty()) {
                paths.add(path);
            }
        }
        return paths;
    }
}
