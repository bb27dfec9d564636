package dev.listenseq.app;

import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.DecodeException;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.flink.JobCounters;
import dev.listenseq.reader.Lineage;
import dev.listenseq.reader.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The demo's terminal view: follows the output topic (read_committed, keeping the highest version
 * per user, as any consumer should) and draws the most active users' sequences and the job's counters.
 */
final class LiveView implements AutoCloseable {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
    private static final int ITEMS_SHOWN = 8;

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
    private final Map<String, UserSequence> latest = new HashMap<>();
    private final int usersShown;
    private final PrintStream out;
    private final boolean ansi;
    private long received;

    LiveView(String bootstrapServers, String topic, int usersShown, PrintStream out, boolean ansi) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(props);
        List<TopicPartition> partitions = Topics.assignAll(consumer, topic, bootstrapServers);
        consumer.seekToBeginning(partitions);
        this.usersShown = usersShown;
        this.out = out;
        this.ansi = ansi;
    }

    /** Reads what arrived since the last call. */
    void poll() {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
            if (r.value() == null && r.key() != null) {
                latest.remove(new String(r.key(), StandardCharsets.UTF_8));
                continue;
            }
            try {
                UserSequence s = codec.decode(r.value());
                latest.merge(s.getUserId(), s, (old, neu) -> Lineage.newer(neu, old) ? neu : old);
                received++;
            } catch (DecodeException e) {
                // Not a snapshot: the reader library will count these; the view just skips them.
            }
        }
    }

    void draw(List<String> header, JobCounters counters, String rates) {
        StringBuilder b = new StringBuilder();
        if (ansi) {
            b.append("\033[H\033[2J");
        }
        header.forEach(line -> b.append(line).append('\n'));
        b.append(String.format("job        in %,d  applied %,d  duplicates %,d  late %,d  dead-lettered %,d  erasures %,d%n",
                counters.recordsIn(), counters.applied(), counters.duplicates(), counters.late(),
                counters.deadLettered(), counters.erasures()));
        if (!counters.deadLetteredByReason().isEmpty()) {
            b.append("           dead letters by reason: ").append(byReason(counters)).append('\n');
        }
        b.append(String.format("           snapshots %,d  %s%n", counters.snapshots(), rates));
        long pending = counters.unaccounted();
        b.append(String.format("           in = applied + duplicates + late + dead-lettered + erasures %s%n",
                pending == 0 ? "holds" : "(" + pending + " in flight)"));
        b.append(String.format("output     %,d snapshots read (read_committed), %,d users%n%n", received, latest.size()));

        List<UserSequence> active = latest.values().stream()
                .sorted(Comparator.comparingLong(UserSequence::getVersion).reversed())
                .limit(usersShown)
                .collect(Collectors.toList());
        if (active.isEmpty()) {
            b.append("waiting for the first committed snapshots (exactly-once output appears at each checkpoint) ...\n");
        }
        for (UserSequence s : active) {
            drawUser(b, s);
        }
        out.print(b);
        out.flush();
    }

    private static void drawUser(StringBuilder b, UserSequence s) {
        b.append(String.format("%s  version %,d  as_of %s  %d songs%n", s.getUserId(), s.getVersion(),
                TIME.format(s.getAsOf()), s.getItems().size()));
        b.append(String.format("   %2s  %-12s %-12s %5s %5s %-5s %9s %8s%n",
                "#", "song", "artist", "plays", "skips", "flags", "listened", "weight"));
        List<SequenceItem> items = s.getItems();
        for (int i = 0; i < Math.min(ITEMS_SHOWN, items.size()); i++) {
            SequenceItem item = items.get(i);
            String flags = (item.getLiked() ? "L" : "") + (item.getCollected() ? "C" : "");
            b.append(String.format("   %2d  %-12s %-12s %5d %5d %-5s %9s %8.3f%n", i + 1, item.getSongId(),
                    item.getArtistId() == null ? "" : item.getArtistId(), item.getPlays(), item.getSkips(), flags,
                    minutes(item.getListenedMs()), item.getWeight()));
        }
        String top = items.stream()
                .sorted(Comparator.comparingDouble(SequenceItem::getWeight).reversed())
                .limit(3)
                .map(i -> i.getSongId() + " " + String.format("%.2f", i.getWeight()))
                .collect(Collectors.joining(", "));
        b.append("   strongest: ").append(top).append("\n\n");
    }

    static String byReason(JobCounters counters) {
        return counters.deadLetteredByReason().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static String minutes(long ms) {
        long s = ms / 1000;
        return String.format("%dm%02ds", s / 60, s % 60);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
