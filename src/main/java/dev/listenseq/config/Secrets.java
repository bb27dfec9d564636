package dev.listenseq.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Secret references in configuration values: a value that is exactly {@code ${env:NAME}} is the
 * environment variable NAME, and {@code ${file:PATH}} is the whole content of the file PATH (one
 * trailing line break removed). Secrets then live in the environment or in a file only the service
 * may read, never on the command line (which every local user can list) or in a job file in version
 * control. Other {@code ${provider:...}} values are left as they are, so Kafka's own config providers
 * (resolved by the Kafka client where it runs) still work under any other provider name.
 *
 * <p>Invariant: no message built here contains a resolved value; errors name the key, the
 * reference and what to fix.
 */
public final class Secrets {

    private static final Pattern REFERENCE = Pattern.compile("\\$\\{(env|file):([^}]+)}");

    private Secrets() {
    }

    /** Whether the value is an {@code ${env:...}} or {@code ${file:...}} reference. */
    public static boolean isReference(String value) {
        return value != null && REFERENCE.matcher(value.trim()).matches();
    }

    /**
     * The value a reference points at, or the value itself when it is not a reference. Throws
     * {@link IllegalArgumentException} whose message completes "{@code <key> is "<value>"; ...}".
     */
    public static String resolve(String value, Function<String, String> environment) {
        Matcher m = REFERENCE.matcher(value.trim());
        if (!m.matches()) {
            return value;
        }
        String target = m.group(2).trim();
        if (m.group(1).equals("env")) {
            String resolved = environment.apply(target);
            if (resolved == null) {
                throw new IllegalArgumentException("environment variable " + target + " is not set; set it for this process");
            }
            return resolved;
        }
        Path path = Path.of(target);
        try {
            String content = Files.readString(path, StandardCharsets.UTF_8);
            return content.endsWith("\r\n") ? content.substring(0, content.length() - 2)
                    : content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("file " + path.toAbsolutePath() + " does not exist");
        } catch (IOException e) {
            // The exception's own message names the path and the reason (e.g. permission denied), never the content.
            throw new IllegalArgumentException("cannot read file " + path.toAbsolutePath() + " (" + e.getClass().getSimpleName()
                    + "); check that it exists and that this user may read it");
        }
    }
}
