package dev.listenseq;

import dev.listenseq.config.ConfigKey;
import dev.listenseq.config.ConfigKeys;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** docs/configuration.md documents every key with its real default. */
class ConfigurationDocTest {

    @Test
    void everyConfigurationKeyIsDocumentedWithItsDefault() throws Exception {
        String readme = Files.readString(Path.of("docs", "configuration.md"));
        List<String> missing = new ArrayList<>();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            String def = key.defaultValue().isEmpty() ? "" : "`" + key.defaultValue() + "`";
            String row = "| `" + key.name() + "` | " + def + " |";
            if (!readme.contains(row)) {
                missing.add(row);
            }
        }
        for (String prefix : List.of(ConfigKeys.KAFKA_CLIENT_PREFIX, ConfigKeys.FLINK_PREFIX)) {
            if (!readme.contains("| `" + prefix + "*` |")) {
                missing.add(prefix + "*");
            }
        }
        assertEquals(List.of(), missing, "docs/configuration.md table rows missing or with a stale default");
    }
}
