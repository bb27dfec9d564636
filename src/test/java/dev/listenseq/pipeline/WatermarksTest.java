package dev.listenseq.pipeline;

import dev.listenseq.app.JobParts;
import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import dev.listenseq.kafka.TopicLimits;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The event-time watermark strategy travels with the job graph, so it must serialize. */
class WatermarksTest {

    @Test
    void theEventTimeStrategySerializes() throws Exception {
        JobConfig config = JobConfig.from(Settings.of(Map.of("ordering.mode", "event-time")));
        byte[] bytes = InstantiationUtil.serializeObject(SequencePipeline.watermarks(JobParts.sequence(config), TopicLimits.BROKER_DEFAULT));
        assertNotNull(InstantiationUtil.deserializeObject(bytes, getClass().getClassLoader()));
    }
}
