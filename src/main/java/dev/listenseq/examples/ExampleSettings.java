package dev.listenseq.examples;

import dev.listenseq.avro.ListenType;
import dev.listenseq.config.ConfigException;
import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.Settings;
import dev.listenseq.config.Sizes;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;

/**
 * What the examples command needs, resolved and validated once from the settings.
 *
 * @param from          first input record time (Kafka record timestamp), null: each partition's start
 * @param to            end of the input range (exclusive), null: the end offsets at start
 * @param rule          which events are positives
 * @param length        L, the arrays' length
 * @param minCount      occurrences a new id needs to enter the vocabulary
 * @param vocab         the vocabulary file
 * @param rowGroupBytes Parquet row group target size
 * @param bucketRecords spill bucket size, in records
 * @param spillDir      parent folder of the spill folder
 */
public record ExampleSettings(Instant from, Instant to, LabelRule rule, int length, int minCount, Path vocab,
                              long rowGroupBytes, int bucketRecords, Path spillDir) {

    public static ExampleSettings from(Settings settings, Path out) {
        Set<ListenType> types = LabelRule.parseTypes(ConfigKeys.EXAMPLES_LABEL_TYPES.name(),
                settings.get(ConfigKeys.EXAMPLES_LABEL_TYPES));
        String rowGroup = settings.get(ConfigKeys.EXAMPLES_ROW_GROUP_SIZE);
        long rowGroupBytes = Sizes.parse(rowGroup);
        if (rowGroupBytes < (1 << 20)) {
            throw new ConfigException(settings.problem(ConfigKeys.EXAMPLES_ROW_GROUP_SIZE, rowGroup,
                    "it must be a size of at least 1m, e.g. 32m or 128m"));
        }
        Instant from = settings.get(ConfigKeys.EXAMPLES_FROM);
        Instant to = settings.get(ConfigKeys.EXAMPLES_TO);
        if (from != null && to != null && !from.isBefore(to)) {
            throw new ConfigException(ConfigKeys.EXAMPLES_FROM.name() + " (" + from + ") must be before "
                    + ConfigKeys.EXAMPLES_TO.name() + " (" + to + "); the range is [from, to)");
        }
        String vocab = settings.get(ConfigKeys.EXAMPLES_VOCAB);
        Path parent = out.toAbsolutePath().getParent();
        String spill = settings.get(ConfigKeys.EXAMPLES_SPILL_DIR);
        return new ExampleSettings(from, to,
                new LabelRule(types, settings.get(ConfigKeys.EXAMPLES_MIN_COMPLETION),
                        settings.get(ConfigKeys.DEFAULT_DURATION).toMillis()),
                settings.get(ConfigKeys.EXAMPLES_SEQUENCE_LENGTH), settings.get(ConfigKeys.EXAMPLES_VOCAB_MIN_COUNT),
                vocab.isEmpty() ? parent.resolve("vocab.tsv") : Path.of(vocab), rowGroupBytes,
                settings.get(ConfigKeys.EXAMPLES_BUCKET_RECORDS),
                spill.isEmpty() ? Path.of(System.getProperty("java.io.tmpdir")) : Path.of(spill));
    }
}
