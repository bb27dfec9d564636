package dev.listenseq.bench;

import dev.listenseq.embedded.ListeningGenerator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.PrintStream;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fills the input topic before the cases run, as fast as the broker takes it: the generator's
 * realistic traffic (duplicates, delayed and malformed records included) with a fixed seed and a
 * synthetic clock, so every run of the same flags reads the same bytes. Event times are spread over
 * the week before now, the producer's record timestamps are the send times.
 */
final class Preloader {

    static final long SPAN_MS = 7L * 24 * 3_600_000;

    private Preloader() {
    }

    static void load(String bootstrap, String topic, ListeningGenerator.Params params, long events, PrintStream progress)
            throws Exception {
        long end = System.currentTimeMillis() - 60_000;
        long start = end - SPAN_MS;
        long[] sent = {0};
        ListeningGenerator generator = new ListeningGenerator(params, () -> start + sent[0] * SPAN_MS / events);
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
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (; sent[0] < events; sent[0]++) {
                ListeningGenerator.Generated g = generator.next();
                producer.send(new ProducerRecord<>(topic, ListeningGenerator.keyBytes(g.key()), g.value()), (m, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
                if (sent[0] % 250_000 == 0 && sent[0] > 0) {
                    progress.printf("  preloaded %,d of %,d%n", sent[0], events);
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("preloading " + topic + " failed", failure.get());
        }
        progress.printf("  preloaded %,d records in %.1f s%n", events, (System.nanoTime() - began) / 1e9);
    }
}
