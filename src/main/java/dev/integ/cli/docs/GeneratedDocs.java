package dev.integ.cli.docs;

import dev.integ.cli.CommandLineFactory;
import dev.integ.cli.GlobalOptions;
import dev.integ.cli.Version;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The shell completions and man pages, made from the picocli model that --help is made from. They
 * are committed under completions/ and man/; GeneratedDocsTest fails when they drift from the model.
 */
public final class GeneratedDocs {
    /** The directories that hold only generated files. */
    static final List<Path> DIRECTORIES = List.of(Path.of("completions"), Path.of("man"));

    private GeneratedDocs() {
    }

    /** Every generated file: path relative to the project root, and content. */
    public static Map<Path, String> render() {
        CommandLine model = CommandLineFactory.model();
        String name = model.getCommandName();
        Map<Path, String> files = new LinkedHashMap<>();
        String bash = AutoComplete.bash(name, model).replace("\r\n", "\n");
        files.put(Path.of("completions", name + ".bash"), bash);
        files.put(Path.of("completions", "_" + name), zsh(name, bash));
        addManPages(model.getCommandSpec(), files);
        return files;
    }

    private static void addManPages(CommandSpec command, Map<Path, String> files) {
        Map<String, String> environment = command.parent() == null ? GlobalOptions.ENVIRONMENT : Map.of();
        files.put(Path.of("man", ManPage.fileName(command)), ManPage.render(command, Version.current(), environment));
        ManPage.subcommands(command).forEach(sub -> addManPages(sub, files));
    }

    /**
     * zsh autoloads a file on $fpath named _integ as the body of the function _integ, run on the first
     * TAB after integ. The body is the bash script (it loads zsh's bashcompinit itself); its last line,
     * `complete`, points integ at the bash functions for later TABs, and the line added here completes
     * this first one.
     */
    private static String zsh(String name, String bash) {
        String script = bash.startsWith("#!") ? bash.substring(bash.indexOf('\n') + 1) : bash;
        return "#compdef " + name + "\n"
                + "#\n"
                + "# zsh completion for " + name + ": put this file in a directory on $fpath before compinit runs.\n"
                + "# It is " + name + ".bash run through zsh's bashcompinit.\n"
                + "#\n"
                + "# bash's compopt has no zsh counterpart (bashcompinit leaves it out); the script only needs it not to fail.\n"
                + "(( $+functions[compopt] )) || compopt() { :; }\n"
                + script
                + "\n# Complete the TAB that loaded this file; the `complete` above handles the ones after it.\n"
                + "_bash_complete -F _complete_" + name + " -o default\n";
    }

    /** Writes every generated file under {@code root} and deletes files there that are no longer generated. */
    public static Map<Path, String> write(Path root) throws IOException {
        Map<Path, String> files = render();
        for (Path stale : existing(root)) {
            if (!files.containsKey(stale)) {
                Files.delete(root.resolve(stale));
            }
        }
        for (Map.Entry<Path, String> file : files.entrySet()) {
            Path target = root.resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.writeString(target, file.getValue());
        }
        return files;
    }

    /** The files now under the generated directories of {@code root}, relative to it. */
    static List<Path> existing(Path root) throws IOException {
        List<Path> found = new ArrayList<>();
        for (Path directory : DIRECTORIES) {
            if (Files.isDirectory(root.resolve(directory))) {
                try (Stream<Path> walk = Files.walk(root.resolve(directory))) {
                    walk.filter(Files::isRegularFile).map(root::relativize).sorted().forEach(found::add);
                }
            }
        }
        return found;
    }

    /** Writes the files under args[0], by default the current directory. */
    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        int count = write(root).size();
        System.out.println("wrote " + count + " files under " + root.toAbsolutePath().normalize());
    }
}
