package dev.integ.cli;

import org.fusesource.jansi.internal.CLibrary;
import org.fusesource.jansi.internal.JansiLoader;
import org.fusesource.jansi.internal.Kernel32;
import org.fusesource.jansi.internal.MingwSupport;

import java.io.Console;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.Locale;

/**
 * Which standard streams a person is watching, each asked of the operating system on its own:
 * {@code integ token | pbcopy} pipes stdout yet still shows coloured warnings on a terminal's stderr,
 * and {@code integ list > file} asks nothing of stdout's colours from stderr.
 * <p>
 * The JDK cannot say this: {@code System.console()} answers for stdin and stdout together, and on
 * JDK 22 to 24 it is non-null even for pipes. jansi's native {@code isatty} (on Windows the console
 * mode, with ANSI sequences switched on, or a mintty/MSYS pseudo-terminal) answers per stream. Its
 * library is loaded only when a command first needs to know (a colour, a question, a progress bar),
 * so {@code token} and {@code --version} never pay for it (docs/benchmarks.md).
 *
 * @param stdin  a person types on standard input
 * @param stdout standard output is shown on a terminal that understands ANSI colours
 * @param stderr standard error is shown on a terminal that understands ANSI colours
 */
record ConsoleStreams(boolean stdin, boolean stdout, boolean stderr) {
    static final ConsoleStreams NONE = new ConsoleStreams(false, false, false);
    static final ConsoleStreams ALL = new ConsoleStreams(true, true, true);

    private static final int STDIN = 0;
    private static final int STDOUT = 1;
    private static final int STDERR = 2;
    /** Windows' console mode flag that makes the console interpret ANSI sequences (Windows 10 and later). */
    private static final int ENABLE_VIRTUAL_TERMINAL_PROCESSING = 0x0004;

    /** Asks the operating system about this process's three standard streams. */
    static ConsoleStreams detect() {
        try {
            if (!loadQuietly()) {
                return fromJdk();
            }
            if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
                return new ConsoleStreams(windowsConsole(STDIN), windowsAnsi(STDOUT), windowsAnsi(STDERR));
            }
            return new ConsoleStreams(CLibrary.isatty(STDIN) == 1, CLibrary.isatty(STDOUT) == 1, CLibrary.isatty(STDERR) == 1);
        } catch (RuntimeException | LinkageError noNativeLibrary) {
            // a platform jansi has no library for, or a temporary directory it cannot load from
            return fromJdk();
        }
    }

    /**
     * Loads jansi's library. When it cannot (a temporary directory it cannot write or execute from),
     * jansi prints the cause on System.err; integ's stderr carries only its own one-line errors, and
     * the JDK's answer is used instead. Nothing else writes to System.err at this point: integ's own
     * output goes through {@link Terminal}, and library logging is off unless -v.
     */
    private static boolean loadQuietly() {
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(OutputStream.nullOutputStream()));
        try {
            return JansiLoader.initialize();
        } finally {
            System.setErr(stderr);
        }
    }

    private static boolean windowsConsole(int fd) {
        long handle = Kernel32.GetStdHandle(stdHandle(fd));
        int[] mode = new int[1];
        return handle != Kernel32.INVALID_HANDLE_VALUE && Kernel32.GetConsoleMode(handle, mode) != 0;
    }

    /** A console that interprets ANSI sequences (switched on if it can), or a mintty/MSYS pseudo-terminal. */
    private static boolean windowsAnsi(int fd) {
        long handle = Kernel32.GetStdHandle(stdHandle(fd));
        int[] mode = new int[1];
        if (handle != Kernel32.INVALID_HANDLE_VALUE && Kernel32.GetConsoleMode(handle, mode) != 0) {
            return (mode[0] & ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0
                    || Kernel32.SetConsoleMode(handle, mode[0] | ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0;
        }
        return new MingwSupport().getConsoleName(fd == STDOUT) != null;
    }

    private static int stdHandle(int fd) {
        return switch (fd) {
            case STDIN -> Kernel32.STD_INPUT_HANDLE;
            case STDOUT -> Kernel32.STD_OUTPUT_HANDLE;
            default -> Kernel32.STD_ERROR_HANDLE;
        };
    }

    /**
     * Without jansi's library: the JDK's one answer for all three. {@code Console.isTerminal()} exists
     * from JDK 22 on (where a console is returned for pipes too), so it is looked up, not compiled against.
     */
    static ConsoleStreams fromJdk() {
        Console console = System.console();
        boolean terminal = console != null;
        if (terminal) {
            try {
                Method isTerminal = Console.class.getMethod("isTerminal");
                terminal = (Boolean) isTerminal.invoke(console);
            } catch (NoSuchMethodException beforeJdk22) {
                // a console before JDK 22 means stdin and stdout are a terminal
            } catch (ReflectiveOperationException | RuntimeException e) {
                terminal = false;
            }
        }
        return terminal ? ALL : NONE;
    }
}
