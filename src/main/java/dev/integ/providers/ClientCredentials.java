package dev.integ.providers;

import dev.integ.config.Environment;
import dev.integ.core.IntegException;
import dev.integ.core.SecretFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The registered client integ signs in as, read from the environment or the config file, never from
 * the command line (argv is visible to every user of the machine). Precedence as everywhere:
 * environment over config file.
 *
 * @param clientId       the client id
 * @param clientIdSource what named it ("SLACK_CLIENT_ID", "config")
 * @param secret         the client secret, or null for a public client
 * @param secretSource   where the secret came from, or "none"
 */
public record ClientCredentials(String clientId, String clientIdSource, ClientSecret secret, String secretSource) {

    /** What is missing before {@code spec} can be used, each named by the variable (or key) that would fix it; empty when ready. */
    public static List<String> missing(ProviderSpec spec, Environment env) {
        List<String> missing = new ArrayList<>();
        if (clientId(spec, env).isEmpty()) {
            missing.add(idVariable(spec));
        }
        if (spec.client().auth().needsSecret() && secretSource(spec, env).isEmpty()) {
            missing.add(spec.client().secretEnv());
        }
        if (spec.issuer() == null && !spec.endpoints().complete()) {
            missing.add("providers." + spec.name() + ".issuer");
        }
        return missing;
    }

    /** Reads the client's id and secret; a usage error naming every missing variable at once. */
    public static ClientCredentials resolve(ProviderSpec spec, Environment env) {
        List<String> missing = missing(spec, env);
        if (!missing.isEmpty()) {
            throw IntegException.usage(spec.name() + " is not configured: missing " + String.join(" and ", missing), null,
                    "set them in the environment, or client-id and client-secret-file under providers." + spec.name()
                            + " in the config file (" + spec.environmentPrefix() + "_CLIENT_SECRET_FILE also names a secret file)");
        }
        String[] id = clientId(spec, env).orElseThrow();
        if (!spec.client().auth().needsSecret()) {
            return new ClientCredentials(id[0], id[1], null, "none");
        }
        String[] source = secretSource(spec, env).orElseThrow();
        String secret = "env".equals(source[0]) ? env.get(source[1]).orElseThrow() : readSecretFile(Path.of(source[1]), source[2]);
        return new ClientCredentials(id[0], id[1], new ClientSecret(secret), source[2]);
    }

    /** Where the secret would be read from, without reading it: for {@code providers show}. */
    public static Optional<String> describeSecretSource(ProviderSpec spec, Environment env) {
        return secretSource(spec, env).map(s -> s[2]);
    }

    /** The file {@code spec}'s secret would be read from, when it comes from a file (for doctor; nothing is read). */
    public static Optional<Path> secretFile(ProviderSpec spec, Environment env) {
        return secretSource(spec, env).filter(s -> "file".equals(s[0])).map(s -> Path.of(s[1]));
    }

    /** Whether anyone but its owner has any access to a secret file: connect refuses such a file ({@link SecretFiles}). */
    public static boolean openToOthers(Path file) throws IOException {
        return SecretFiles.openToOthers(file);
    }

    public static String idVariable(ProviderSpec spec) {
        return spec.environmentPrefix() + "_CLIENT_ID";
    }

    /** @return {value, source} */
    private static Optional<String[]> clientId(ProviderSpec spec, Environment env) {
        Optional<String> fromEnv = env.get(idVariable(spec)).filter(s -> !s.isBlank());
        if (fromEnv.isPresent()) {
            return Optional.of(new String[] {fromEnv.get().strip(), idVariable(spec)});
        }
        return Optional.ofNullable(spec.client().clientId()).map(id -> new String[] {id, "config"});
    }

    /** @return {kind ("env" or "file"), variable or path, description} */
    private static Optional<String[]> secretSource(ProviderSpec spec, Environment env) {
        String variable = spec.client().secretEnv();
        if (env.get(variable).filter(s -> !s.isBlank()).isPresent()) {
            return Optional.of(new String[] {"env", variable, variable});
        }
        String fileVariable = spec.environmentPrefix() + "_CLIENT_SECRET_FILE";
        Optional<String> file = env.get(fileVariable).filter(s -> !s.isBlank());
        if (file.isPresent()) {
            return Optional.of(new String[] {"file", file.get(), fileVariable + " (" + file.get() + ")"});
        }
        return Optional.ofNullable(spec.client().secretFile()).map(f -> new String[] {"file", f, "file " + f});
    }

    private static String readSecretFile(Path file, String source) {
        try {
            return SecretFiles.read(file, "client secret file", source);
        } catch (IOException e) {
            throw IntegException.usage("cannot read the client secret file " + file, e.getClass().getSimpleName() + " (from " + source + ")",
                    "check the path and its permissions");
        }
    }
}
