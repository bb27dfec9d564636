package dev.listenseq.examples;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Song and artist ids to embedding indices, stable from run to run.
 *
 * <p>Per kind (song, artist), index 0 is padding and 1 is out of vocabulary; real ids start at 2.
 * An id read from an existing file keeps its index forever; an id new in this run is appended
 * (after the highest index) when it occurred in at least {@code minCount} input events of the run,
 * most frequent first, ties by id, so the same input gives the same file. Memory: one entry per
 * distinct id seen (the catalogue), not per event.
 *
 * <p>The file is UTF-8 text, one id per line: {@code kind TAB index TAB id TAB count}, where count
 * is the id's occurrences in the run that wrote the file (0 when it did not occur); lines starting
 * with {@code #} are comments. Ids hold no tab or newline (the job rejects neither, so such an id is
 * left out of the vocabulary and maps to 1).
 */
public final class Vocabulary {

    public static final int PADDING = 0;
    public static final int OOV = 1;
    static final int FIRST = 2;
    static final String HEADER = "# listenseq vocabulary v1: kind<TAB>index<TAB>id<TAB>count;"
            + " per kind index 0 is padding, 1 is out of vocabulary";

    /** The two id spaces. */
    public enum Kind { SONG, ARTIST }

    private final Map<Kind, Map<String, Integer>> index = new HashMap<>();
    private final Map<Kind, Map<String, long[]>> counts = new HashMap<>();
    private final Map<Kind, Integer> loaded = new HashMap<>();

    private Vocabulary() {
        for (Kind k : Kind.values()) {
            index.put(k, new HashMap<>());
            counts.put(k, new HashMap<>());
        }
    }

    /** An empty vocabulary, or the one in the file when it exists. */
    public static Vocabulary load(Path file) {
        Vocabulary v = new Vocabulary();
        if (file != null && Files.exists(file)) {
            try {
                int lineNo = 0;
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    lineNo++;
                    if (line.isEmpty() || line.startsWith("#")) {
                        continue;
                    }
                    String[] f = line.split("\t", -1);
                    Kind kind;
                    int i;
                    try {
                        kind = Kind.valueOf(f[0].toUpperCase(Locale.ROOT));
                        i = Integer.parseInt(f[1]);
                    } catch (RuntimeException e) {
                        throw new IllegalArgumentException(file + " line " + lineNo + " is \"" + line
                                + "\"; expected song|artist TAB index TAB id TAB count");
                    }
                    if (f.length < 3 || i < FIRST || v.index.get(kind).put(f[2], i) != null) {
                        throw new IllegalArgumentException(file + " line " + lineNo + " is \"" + line
                                + "\"; an id may appear once per kind with an index of at least " + FIRST);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read vocabulary " + file, e);
            }
            for (Kind k : Kind.values()) {
                if (new HashSet<>(v.index.get(k).values()).size() != v.index.get(k).size()) {
                    throw new IllegalArgumentException(file + " gives two " + k.name().toLowerCase(Locale.ROOT)
                            + " ids the same index; fix or delete the file");
                }
            }
        }
        for (Kind k : Kind.values()) {
            v.loaded.put(k, v.index.get(k).size());
        }
        return v;
    }

    /** Counts one occurrence of the id in this run's input (null: nothing). */
    public void count(Kind kind, String id) {
        if (id != null && id.indexOf('\t') < 0 && id.indexOf('\n') < 0 && id.indexOf('\r') < 0) {
            counts.get(kind).computeIfAbsent(id, x -> new long[1])[0]++;
        }
    }

    /** Appends the ids of this run that are new and frequent enough; returns how many were added per kind. */
    public Map<Kind, Integer> grow(int minCount) {
        Map<Kind, Integer> added = new LinkedHashMap<>();
        for (Kind k : Kind.values()) {
            Map<String, Integer> ids = index.get(k);
            List<Map.Entry<String, long[]>> fresh = new ArrayList<>();
            for (Map.Entry<String, long[]> e : counts.get(k).entrySet()) {
                if (!ids.containsKey(e.getKey()) && e.getValue()[0] >= minCount) {
                    fresh.add(e);
                }
            }
            fresh.sort(Comparator.<Map.Entry<String, long[]>>comparingLong(e -> -e.getValue()[0])
                    .thenComparing(Map.Entry::getKey));
            int next = ids.values().stream().mapToInt(Integer::intValue).max().orElse(FIRST - 1) + 1;
            for (Map.Entry<String, long[]> e : fresh) {
                ids.put(e.getKey(), next++);
            }
            added.put(k, fresh.size());
        }
        return added;
    }

    /** The id's index: 0 for null (no id), 1 when out of vocabulary. */
    public int index(Kind kind, String id) {
        if (id == null) {
            return PADDING;
        }
        return index.get(kind).getOrDefault(id, OOV);
    }

    /** Ids per kind. */
    public int size(Kind kind) {
        return index.get(kind).size();
    }

    /** Ids per kind that came from the file read at the start. */
    public int loaded(Kind kind) {
        return loaded.get(kind);
    }

    /** Writes the file (to a temporary file first, then moved over, so a crash leaves the old one). */
    public void save(Path file) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                w.write(HEADER);
                w.write('\n');
                for (Kind k : Kind.values()) {
                    List<Map.Entry<String, Integer>> rows = new ArrayList<>(index.get(k).entrySet());
                    rows.sort(Map.Entry.comparingByValue());
                    String kind = k.name().toLowerCase(Locale.ROOT);
                    for (Map.Entry<String, Integer> e : rows) {
                        long[] c = counts.get(k).get(e.getKey());
                        w.write(kind + "\t" + e.getValue() + "\t" + e.getKey() + "\t" + (c == null ? 0 : c[0]) + "\n");
                    }
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write vocabulary " + file, e);
        }
    }
}
