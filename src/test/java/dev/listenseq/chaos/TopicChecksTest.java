package dev.listenseq.chaos;

import dev.listenseq.avro.UserSequence;
import dev.listenseq.codec.SingleObjectCodec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chaos run's verdicts: each check flags what it must, and only that. */
class TopicChecksTest {

    @Test
    void versionsOneToNPassAndBackwardsRepeatsOrGapsAreFlagged() {
        assertEquals(List.of(), TopicChecks.versionViolations(Map.of("u1", List.of(1L, 2L, 3L)), true));
        assertTrue(TopicChecks.versionViolations(Map.of("u1", List.of(1L, 2L, 1L)), true).get(0).contains("backwards"));
        assertTrue(TopicChecks.versionViolations(Map.of("u1", List.of(1L, 2L, 2L)), true).get(0).contains("repeated"));
        assertTrue(TopicChecks.versionViolations(Map.of("u1", List.of(1L, 3L)), true).get(0).contains("gap"));
        assertTrue(TopicChecks.versionViolations(Map.of("u1", List.of(2L)), true).get(0).contains("gap"));
        // A throttled run (emit.min-interval > 0) skips versions on purpose; it must still never go back.
        assertEquals(List.of(), TopicChecks.versionViolations(Map.of("u1", List.of(1L, 4L, 9L)), false));
        assertEquals(1, TopicChecks.versionViolations(Map.of("u1", List.of(4L, 3L), "u2", List.of(1L)), false).size());
    }

    @Test
    void finalSnapshotsAreComparedIgnoringEmissionTimeOnly() {
        UserSequence a = snapshot("u1", 3, Instant.ofEpochMilli(1_000));
        UserSequence laterEmitted = snapshot("u1", 3, Instant.ofEpochMilli(99_000));
        assertEquals(List.of(), TopicChecks.snapshotDifferences(Map.of("u1", a), Map.of("u1", laterEmitted)));

        List<String> version = TopicChecks.snapshotDifferences(Map.of("u1", a), Map.of("u1", snapshot("u1", 4, Instant.EPOCH)));
        assertEquals(1, version.size());
        assertTrue(version.get(0).contains("version"), version.get(0));
        assertEquals(1, TopicChecks.snapshotDifferences(Map.of("u1", a), Map.of()).size(), "a user missing from the chaos run");
        assertEquals(1, TopicChecks.snapshotDifferences(Map.of(), Map.of("u1", a)).size(), "a user missing from the replay");
    }

    @Test
    void snapshotRecordsFoldIntoEachUsersVersionsAndLastSnapshotSkippingTombstones() {
        SingleObjectCodec<UserSequence> codec = SingleObjectCodec.of(UserSequence.class);
        Map<String, TopicChecks.UserSnapshots> byUser = new LinkedHashMap<>();
        long offset = 0;
        for (UserSequence s : List.of(snapshot("u1", 1, Instant.EPOCH), snapshot("u2", 1, Instant.EPOCH),
                snapshot("u1", 2, Instant.EPOCH))) {
            TopicChecks.add(byUser, codec, new ConsumerRecord<>("out", 0, offset++,
                    s.getUserId().getBytes(StandardCharsets.UTF_8), codec.encode(s)));
        }
        TopicChecks.add(byUser, codec, new ConsumerRecord<>("out", 0, offset, "u1".getBytes(StandardCharsets.UTF_8), null));

        assertEquals(List.of(1L, 2L), byUser.get("u1").versions);
        assertEquals(2L, byUser.get("u1").last.getVersion());
        assertEquals(List.of(1L), byUser.get("u2").versions);
    }

    private static UserSequence snapshot(String user, long version, Instant emittedAt) {
        UserSequence.Builder b = UserSequence.newBuilder()
                .setUserId(user).setVersion(version).setAsOf(Instant.ofEpochMilli(500)).setEmittedAt(emittedAt)
                .setItems(List.of()).setRecent(List.of());
        return b.build();
    }
}
