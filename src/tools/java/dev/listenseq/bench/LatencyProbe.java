package dev.listenseq.bench;

import dev.listenseq.embedded.ListeningGenerator;
import dev.listenseq.reader.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Event-to-snapshot latency: sends clean generated traffic at a steady rate, stamping each record
 * with its send time, and reads the output topic ({@code read_committed}) on the same clock.
 *
 * <p>For the job, an event's latency is the time from its send until the first snapshot of its user
 * with a version at or above the event's is read: with clean traffic the n-th event sent for a user
 * is that user's version n. This counts every event, including those that waited for the per-user
 * throttle. For the pass-through job, whose output keeps the input's timestamp, it is the time from
 * send to read of each record. Events sent during the warm-up are not counted.
 */
final class LatencyProbe {

    /**
     * Percentiles in ms, the events counted, those never seen in the output, and the job's checkpoint
     * pauses in ms (see {@link WorkerProcess#checkpointPauses()}; empty until the worker reports them).
     */
    record Result(Latencies latencies, long counted, long missing, double sentPerSecond, long[] checkpointPauses) {

        Result withCheckpointPauses(long[] pauses) {
            return new Result(latencies, counted, missing, sentPerSecond, pauses);
        }
    }

    private final String bootstrap;
    private final String input;
    private final String output;
    private final boolean passThrough;
    private final Map<String, long[]> sentTimes = new ConcurrentHashMap<>();
    private final Map<String, Integer> sentCounts = new ConcurrentHashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile long measureFrom;

    LatencyProbe(String bootstrap, String input, String output, boolean passThrough) {
        this.bootstrap = bootstrap;
        this.input = input;
        this.output = output;
        this.passThrough = passThrough;
    }

    Result run(ListeningGenerator generator, int rate, Duration warmUp, Duration measure, Duration drain) throws Exception {
        Latencies latencies = new Latencies();
        long[] counted = {0};
        long sendStart = System.currentTimeMillis();
        measureFrom = sendStart + warmUp.toMillis();
        Thread reader = new Thread(() -> read(latencies, counted), "latency-reader");
        reader.start();
        long sendEnd = measureFrom + measure.toMillis();
        long sentMeasured = send(generator, rate, sendStart, measureFrom, sendEnd);
        Thread.sleep(drain.toMillis());
        stop.set(true);
        reader.join();
        synchronized (latencies) {
            return new Result(latencies, counted[0], Math.max(0, sentMeasured - counted[0]),
                    sentMeasured / (measure.toMillis() / 1000.0), new long[0]);
        }
    }

    private long send(ListeningGenerator generator, int rate, long start, long measureFrom, long end) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        long sent = 0;
        long measured = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            long now;
            while ((now = System.currentTimeMillis()) < end) {
                long due = (now - start) * rate / 1000;
                if (sent >= due) {
                    Thread.sleep(1);
                    continue;
                }
                ListeningGenerator.Generated g = generator.next();
                if (!passThrough && g.key() != null) {
                    // Recorded before sending, so the reader always finds the event of a version it reads.
                    record(g.key(), now);
                }
                producer.send(new ProducerRecord<>(input, null, now, ListeningGenerator.keyBytes(g.key()), g.value()));
                sent++;
                if (now >= measureFrom) {
                    measured++;
                }
            }
        }
        return measured;
    }

    private void record(String user, long time) {
        int n = sentCounts.getOrDefault(user, 0);
        long[] times = sentTimes.get(user);
        if (times == null || times.length == n) {
            times = times == null ? new long[8] : Arrays.copyOf(times, n * 2);
            sentTimes.put(user, times);
        }
        times[n] = time;
        sentCounts.put(user, n + 1);
    }

    private void read(Latencies latencies, long[] counted) {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        Map<String, Long> delivered = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = Topics.assignAll(consumer, output, bootstrap);
            consumer.seekToBeginning(partitions);
            while (!stop.get()) {
                var records = consumer.poll(Duration.ofMillis(5));
                long now = System.currentTimeMillis();
                synchronized (latencies) {
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        if (passThrough) {
                            count(latencies, counted, r.timestamp(), now);
                        } else {
                            SnapshotHeader h = SnapshotHeader.read(r.value());
                            long from = delivered.getOrDefault(h.userId(), 0L);
                            long[] times = sentTimes.get(h.userId());
                            for (long v = from + 1; v <= h.version(); v++) {
                                count(latencies, counted, times[(int) v - 1], now);
                            }
                            delivered.put(h.userId(), Math.max(from, h.version()));
                        }
                    }
                }
            }
        }
    }

    private void count(Latencies latencies, long[] counted, long sentAt, long readAt) {
        if (sentAt >= measureFrom) {
            latencies.add(readAt - sentAt);
            counted[0]++;
        }
    }
}
