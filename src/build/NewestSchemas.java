import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Build step (run by Maven at generate-sources with the JDK's source launcher, not compiled into the
 * product): copies the newest version of each wire schema, {@code <Name>-v<N>.avsc} with N compared as
 * a number (v10 is newer than v9), from the schemas folder into a folder that avro-maven-plugin
 * compiles. Releasing a version is adding a file: no build edit. Older versions stay in schemas/ and
 * ship in the jar, where decoders resolve them by fingerprint.
 *
 * <p>Fails the build, naming the file and the fix, when a file does not follow the naming rule or a
 * name's versions have a gap (the runtime catalogue loads v1, v2, ... and stops at the first gap, so a
 * gap would silently hide every later version from decoders).
 *
 * <p>Usage: {@code java NewestSchemas.java <schemas dir> <output dir>}
 */
public final class NewestSchemas {

    private static final Pattern VERSIONED = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)-v([1-9][0-9]{0,8})\\.avsc");

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: java NewestSchemas.java <schemas dir> <output dir>");
        }
        Path source = Path.of(args[0]);
        Path target = Path.of(args[1]);
        Map<String, TreeMap<Integer, Path>> versions = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = file.getFileName().toString();
                if (!name.endsWith(".avsc")) {
                    continue;
                }
                Matcher m = VERSIONED.matcher(name);
                if (!m.matches()) {
                    problems.add(file + ": a wire schema file must be named <Name>-v<N>.avsc (N = 1, 2, ...)");
                    continue;
                }
                versions.computeIfAbsent(m.group(1), n -> new TreeMap<>()).put(Integer.parseInt(m.group(2)), file);
            }
        }
        versions.forEach((name, byVersion) -> {
            TreeSet<Integer> expected = new TreeSet<>();
            for (int v = 1; v <= byVersion.lastKey(); v++) {
                expected.add(v);
            }
            expected.removeAll(byVersion.keySet());
            if (!expected.isEmpty()) {
                problems.add(name + ": versions " + byVersion.keySet() + " have a gap at v" + expected.first()
                        + "; versions are numbered from 1 without gaps (every released version stays in " + source + ")");
            }
        });
        if (!problems.isEmpty()) {
            System.err.println("schemas: " + String.join("\n  ", problems));
            System.exit(1);
        }
        Files.createDirectories(target);
        try (Stream<Path> present = Files.list(target)) {
            for (Path old : present.toList()) {
                String name = old.getFileName().toString();
                if (!versions.containsKey(name.substring(0, Math.max(0, name.length() - ".avsc".length())))) {
                    Files.delete(old);
                }
            }
        }
        for (Map.Entry<String, TreeMap<Integer, Path>> e : versions.entrySet()) {
            Path newest = e.getValue().lastEntry().getValue();
            Path copy = target.resolve(e.getKey() + ".avsc");
            // Rewritten only when it changes: avro-maven-plugin skips a schema older than its generated code.
            if (!Files.exists(copy) || Files.mismatch(newest, copy) != -1) {
                Files.copy(newest, copy, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
