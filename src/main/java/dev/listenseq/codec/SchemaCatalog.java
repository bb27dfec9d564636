package dev.listenseq.codec;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every released version of each wire schema, indexed by its CRC-64-AVRO fingerprint.
 *
 * <p>Released versions ship on the classpath as {@code schemas/<Name>-v<N>.avsc} (copied from the
 * repository's {@code schemas/} folder), numbered from 1 without gaps. A decoder finds the writer
 * schema of a message by the fingerprint in its header, so a record written with any released
 * version stays readable after the schema evolves.
 */
public final class SchemaCatalog {

    private static final String RESOURCE_DIR = "schemas/";

    private final Map<String, List<Schema>> versionsByName;

    private SchemaCatalog(Map<String, List<Schema>> versionsByName) {
        this.versionsByName = versionsByName;
    }

    /** The versions bundled with this build, for the given record names (simple names, e.g. "ListenEvent"). */
    public static SchemaCatalog bundled(String... simpleNames) {
        Map<String, List<Schema>> byName = new HashMap<>();
        for (String simpleName : simpleNames) {
            List<Schema> versions = new ArrayList<>();
            for (int v = 1; ; v++) {
                Schema schema = loadResource(RESOURCE_DIR + simpleName + "-v" + v + ".avsc");
                if (schema == null) {
                    break;
                }
                versions.add(schema);
            }
            if (versions.isEmpty()) {
                throw new IllegalStateException(
                        "no released schema " + RESOURCE_DIR + simpleName + "-v1.avsc on the classpath");
            }
            byName.put(versions.get(0).getFullName(), List.copyOf(versions));
        }
        return new SchemaCatalog(byName);
    }

    /** A catalogue of explicitly given schemas (oldest first per name); for tests and tools. */
    public static SchemaCatalog of(List<Schema> schemas) {
        Map<String, List<Schema>> byName = new HashMap<>();
        for (Schema schema : schemas) {
            byName.computeIfAbsent(schema.getFullName(), n -> new ArrayList<>()).add(schema);
        }
        return new SchemaCatalog(byName);
    }

    /** Released versions of the named record, oldest first; empty when none. */
    public List<Schema> versions(String fullName) {
        return versionsByName.getOrDefault(fullName, List.of());
    }

    /** Writer schemas of the named record by fingerprint. */
    public Map<Long, Schema> byFingerprint(String fullName) {
        Map<Long, Schema> index = new HashMap<>();
        for (Schema schema : versions(fullName)) {
            index.put(SchemaNormalization.parsingFingerprint64(schema), schema);
        }
        return index;
    }

    private static Schema loadResource(String path) {
        ClassLoader loader = SchemaCatalog.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(path)) {
            return in == null ? null : new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
