package dev.listenseq.chaos;

import dev.listenseq.avro.ListenEvent;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.embedded.ListeningGenerator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The chaos run's live input: {@link ListeningGenerator} traffic (repeats, duplicates, out-of-order
 * events, malformed records) at a steady rate, plus now and then a copy of an event from beyond the
 * 90-day horizon right after it (same user, same partition) so the late path is exercised too. The
 * producer waits out a broker outage (long delivery timeout) instead of dropping records; the checks
 * count the input from the topic anyway, so nothing here has to be exact.
 */
final class ChaosTraffic implements AutoCloseable {

    private static final long DAY = 86_400_000L;
    private static final int LATE_EVERY = 400;

    private final KafkaProducer<byte[], byte[]> producer;
    private final ListeningGenerator generator;
    private final SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
    private final String topic;
    private final int ratePerSecond;
    private final Thread thread;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean running = true;

    ChaosTraffic(String bootstrapServers, String topic, int users, int ratePerSecond, long seed) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "600000");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "600000");
        this.producer = new KafkaProducer<>(props);
        // Simulated event time, 15 s per event from ten days ago, so sequences span days and decay
        // matters; never ahead of the wall clock, or a long run would send events from the future
        // (after 57,600 events), which the job rightly dead-letters as FUTURE_TIMESTAMP.
        AtomicLong clock = new AtomicLong(System.currentTimeMillis() - 10 * DAY);
        this.generator = new ListeningGenerator(new ListeningGenerator.Params(users, users * 10, seed, 0.02, 0.02, 0.01),
                () -> clock.updateAndGet(t -> Math.min(t + 15_000, System.currentTimeMillis())));
        this.topic = topic;
        this.ratePerSecond = ratePerSecond;
        this.thread = new Thread(this::run, "chaos-traffic");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    long sent() {
        return sent.get();
    }

    long failed() {
        return failed.get();
    }

    private void run() {
        long start = System.nanoTime();
        long count = 0;
        try {
            while (running) {
                long due = (System.nanoTime() - start) / 1_000_000L * ratePerSecond / 1_000L;
                if (count >= due) {
                    Thread.sleep(2);
                    continue;
                }
                ListeningGenerator.Generated g = generator.next();
                send(ListeningGenerator.keyBytes(g.key()), g.value());
                count++;
                if (count % LATE_EVERY == 0 && g.kind() == ListeningGenerator.Kind.EVENT) {
                    ListenEvent late = ListenEvent.newBuilder(g.event())
                            .setEventId("late-" + count)
                            .setEventTime(g.event().getEventTime().minusMillis(100 * DAY))
                            .build();
                    send(ListeningGenerator.keyBytes(g.key()), codec.encode(late));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void send(byte[] key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value), (m, e) -> {
            if (e != null) {
                failed.incrementAndGet();
            }
        });
        sent.incrementAndGet();
    }

    /** Stops sending and waits until everything sent is acknowledged. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(30_000);
        producer.flush();
        producer.close();
    }
}
