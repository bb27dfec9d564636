package dev.listenseq.embedded;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/** Sends a generator's records to a topic at a steady target rate, on its own thread. */
public final class TrafficProducer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TrafficProducer.class);

    private final KafkaProducer<byte[], byte[]> producer;
    private final ListeningGenerator generator;
    private final String topic;
    private final int ratePerSecond;
    private final Thread thread;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean running = true;

    public TrafficProducer(String bootstrapServers, String topic, ListeningGenerator generator, int ratePerSecond) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        this.producer = new KafkaProducer<>(props);
        this.generator = generator;
        this.topic = topic;
        this.ratePerSecond = ratePerSecond;
        this.thread = new Thread(this::run, "traffic-producer");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    public long sent() {
        return sent.get();
    }

    public long duplicates() {
        return duplicates.get();
    }

    public long malformed() {
        return malformed.get();
    }

    private void run() {
        long start = System.nanoTime();
        try {
            while (running) {
                long due = (System.nanoTime() - start) / 1000L * ratePerSecond / 1_000_000L;
                if (sent.get() >= due) {
                    Thread.sleep(1);
                    continue;
                }
                ListeningGenerator.Generated g = generator.next();
                producer.send(new ProducerRecord<>(topic, ListeningGenerator.keyBytes(g.key()), g.value()), (m, e) -> {
                    if (e != null && failed.getAndIncrement() == 0) {
                        LOG.warn("Cannot send generated events to {}: {}", topic, e.toString());
                    }
                });
                sent.incrementAndGet();
                if (g.kind() == ListeningGenerator.Kind.DUPLICATE) {
                    duplicates.incrementAndGet();
                } else if (g.kind() == ListeningGenerator.Kind.MALFORMED) {
                    malformed.incrementAndGet();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
        producer.close();
    }
}
