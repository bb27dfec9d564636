package dev.listenseq.examples;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.config.ConfigException;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Which input events are positive examples: a PLAY completed at least {@code minCompletion}
 * (completion as the job computes it: played / duration, the default duration when unknown,
 * clamped to [0, 1]), a LIKE, a COLLECT; each type on or off.
 */
public record LabelRule(Set<ListenType> types, double minCompletion, long defaultDurationMs) {

    public LabelRule {
        types = Set.copyOf(types);
    }

    /** Parses {@code examples.label-types}: a comma-separated subset of play, like, collect. */
    public static Set<ListenType> parseTypes(String key, String text) {
        Set<ListenType> types = EnumSet.noneOf(ListenType.class);
        for (String word : text.split(",")) {
            String w = word.trim().toUpperCase(Locale.ROOT);
            if (w.isEmpty()) {
                continue;
            }
            if (!w.equals("PLAY") && !w.equals("LIKE") && !w.equals("COLLECT")) {
                throw new ConfigException(key + " is \"" + text + "\": \"" + word.trim()
                        + "\" is not a label type; use a comma-separated subset of play, like, collect");
            }
            types.add(ListenType.valueOf(w));
        }
        if (types.isEmpty()) {
            throw new ConfigException(key + " is \"" + text + "\"; name at least one of play, like, collect");
        }
        return types;
    }

    /** The completion of a PLAY or SKIP (null when played_ms is missing). */
    public Double completion(ListenEvent event) {
        if (event.getPlayedMs() == null) {
            return null;
        }
        double duration = event.getDurationMs() != null && event.getDurationMs() > 0 ? event.getDurationMs() : defaultDurationMs;
        return Math.max(0.0, Math.min(1.0, event.getPlayedMs() / duration));
    }

    /** Whether the event is a positive example under this rule. */
    public boolean isLabel(ListenEvent event) {
        ListenType type = event.getType();
        if (!types.contains(type)) {
            return false;
        }
        if (type == ListenType.PLAY) {
            Double c = completion(event);
            return c != null && c >= minCompletion;
        }
        return true;
    }
}
