package dev.listenseq.bench;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.embedded.ListeningGenerator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.PrintStream;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fills an input topic before the cases run, as fast as the broker takes it: the generator's
 * realistic traffic (duplicates, delayed and malformed records included) with a fixed seed and a
 * synthetic clock, so every run of the same flags reads the same bytes. Event times are spread over
 * the week that ends at {@code end}, the producer's record timestamps are the send times.
 *
 * <p>With a {@link Bot}, the same traffic (the generator's records are byte for byte those of a
 * load without it, given the same {@code end}) is interleaved evenly with the bot's events, so a case
 * over both topics differs only by the bot.
 */
final class Preloader {

    static final long SPAN_MS = 7L * 24 * 3_600_000;

    private Preloader() {
    }

    /**
     * One key that sends {@code events} plays on top of the generator's traffic, spread evenly through
     * it, over {@code songs} songs, at the generator's clock. Ids are unique, so every bot event is
     * applied and its state meets every cap.
     */
    record Bot(String userId, long events, int songs) {
    }

    /**
     * What was loaded: records, the bot's among them, the generator's users, how many of them got at
     * least {@code threshold} distinct songs, and those users' share of the generator's events.
     */
    record Loaded(long records, long botRecords, int users, int usersWithAtLeast, int threshold, double eventShareOfThose) {
    }

    /**
     * Whether record number {@code sent} (from 0) of {@code total} is the bot's next, when it has sent
     * {@code botSent} of its {@code botEvents}: its n-th goes where n / botEvents of the whole has been
     * sent, so its records are spread evenly and the last record is always placed.
     */
    static boolean botTurn(long sent, long botSent, long botEvents, long total) {
        return botSent < botEvents && (sent + 1) * botEvents / total > botSent;
    }

    /** Loads {@code events} generator records (and the bot's on top, if any); counts users with ≥ threshold distinct songs. */
    static Loaded load(String bootstrap, String topic, ListeningGenerator.Params params, long events, Bot bot, long end,
                       int threshold, PrintStream progress) throws Exception {
        long start = end - SPAN_MS;
        long[] generated = {0};
        ListeningGenerator generator = new ListeningGenerator(params, () -> start + generated[0] * SPAN_MS / events);
        long botEvents = bot == null ? 0 : bot.events();
        long total = events + botEvents;
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
        SplittableRandom botRandom = new SplittableRandom(params.seed() ^ 0x5EED);
        byte[] botKey = bot == null ? null : ListeningGenerator.keyBytes(bot.userId());
        Map<String, Set<String>> songsByUser = new HashMap<>();
        Map<String, Long> eventsByUser = new HashMap<>();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        AtomicReference<Exception> failure = new AtomicReference<>();
        long began = System.nanoTime();
        long botSent = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (long sent = 0; sent < total; sent++) {
                ProducerRecord<byte[], byte[]> record;
                if (botTurn(sent, botSent, botEvents, total)) {
                    ListenEvent e = ListenEvent.newBuilder()
                            .setEventId("hot-" + botSent)
                            .setUserId(bot.userId())
                            .setSongId(ListeningGenerator.songId(botRandom.nextInt(bot.songs())))
                            .setType(ListenType.PLAY)
                            .setEventTime(Instant.ofEpochMilli(start + generated[0] * SPAN_MS / events))
                            .setPlayedMs(30_000L)
                            .setDurationMs(180_000L)
                            .build();
                    record = new ProducerRecord<>(topic, botKey, codec.encode(e));
                    botSent++;
                } else {
                    ListeningGenerator.Generated g = generator.next();
                    if (g.kind() == ListeningGenerator.Kind.EVENT) {
                        songsByUser.computeIfAbsent(g.event().getUserId(), u -> new HashSet<>()).add(g.event().getSongId());
                        eventsByUser.merge(g.event().getUserId(), 1L, Long::sum);
                    }
                    record = new ProducerRecord<>(topic, ListeningGenerator.keyBytes(g.key()), g.value());
                    generated[0]++;
                }
                producer.send(record, (m, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
                if (sent % 250_000 == 0 && sent > 0) {
                    progress.printf("  preloaded %,d of %,d%n", sent, total);
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("preloading " + topic + " failed", failure.get());
        }
        progress.printf("  preloaded %,d records in %.1f s%n", total, (System.nanoTime() - began) / 1e9);
        int atLeast = 0;
        long theirEvents = 0;
        for (Map.Entry<String, Set<String>> user : songsByUser.entrySet()) {
            if (user.getValue().size() >= threshold) {
                atLeast++;
                theirEvents += eventsByUser.get(user.getKey());
            }
        }
        long allEvents = eventsByUser.values().stream().mapToLong(Long::longValue).sum();
        return new Loaded(total, botSent, songsByUser.size(), atLeast, threshold, theirEvents / (double) Math.max(1, allEvents));
    }
}
