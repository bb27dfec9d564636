package dev.listenseq.app;

import dev.listenseq.config.ConfigKeys;
import dev.listenseq.config.Settings;
import dev.listenseq.embedded.EmbeddedKafka;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The Kafka a self-contained command (demo, cluster) talks to: the cluster at kafka.bootstrap-servers
 * when that is set, else an in-process broker started in {@code folder}, closed with this. The
 * address is handed on typed ({@link JobParts#kafka(dev.listenseq.config.JobConfig, String)}), never
 * written back into the settings.
 */
public final class KafkaEndpoint implements AutoCloseable {

    private final String bootstrapServers;
    private final EmbeddedKafka embedded;

    private KafkaEndpoint(String bootstrapServers, EmbeddedKafka embedded) {
        this.bootstrapServers = bootstrapServers;
        this.embedded = embedded;
    }

    /** Says on {@code out} which it is, and starts the embedded broker when it is that one. */
    public static KafkaEndpoint resolve(Settings settings, Path folder, PrintStream out) throws Exception {
        if (settings.isSet(ConfigKeys.BOOTSTRAP_SERVERS)) {
            String bootstrap = settings.get(ConfigKeys.BOOTSTRAP_SERVERS);
            out.println("Using Kafka at " + bootstrap);
            return new KafkaEndpoint(bootstrap, null);
        }
        out.println("Starting an embedded Kafka broker (KRaft) ...");
        EmbeddedKafka kafka = EmbeddedKafka.start(folder);
        return new KafkaEndpoint(kafka.bootstrapServers(), kafka);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() throws Exception {
        if (embedded != null) {
            embedded.close();
        }
    }
}
