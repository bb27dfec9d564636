package dev.listenseq.embedded;

import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.codec.DecodeException;
import dev.listenseq.codec.SingleObjectCodec;
import dev.listenseq.sequence.EventValidator;
import dev.listenseq.sequence.Rejection;
import dev.listenseq.sequence.ValidationRules;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ListeningGeneratorTest {

    private static final long NOW = System.currentTimeMillis();
    private static final ListeningGenerator.Params PARAMS =
            new ListeningGenerator.Params(1_000, 5_000, 42, 0.05, 0.10, 0.05);

    private static ListeningGenerator generator() {
        AtomicLong clock = new AtomicLong(NOW - 86_400_000L);
        return new ListeningGenerator(PARAMS, () -> clock.addAndGet(1_000));
    }

    @Test
    void theSameSeedGivesTheSameTraffic() {
        ListeningGenerator a = generator();
        ListeningGenerator b = generator();
        for (int i = 0; i < 2_000; i++) {
            ListeningGenerator.Generated x = a.next();
            ListeningGenerator.Generated y = b.next();
            assertEquals(x.key(), y.key());
            assertArrayEquals(x.value(), y.value());
        }
    }

    @Test
    void imperfectionsComeAtTheirRatesAndEachFailsForItsDeclaredReason() {
        SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
        EventValidator validator = new EventValidator(ValidationRules.defaults());
        ListeningGenerator generator = generator();
        Map<ListeningGenerator.Kind, Integer> kinds = new HashMap<>();
        Set<DeadLetterReason> reasons = new HashSet<>();
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            ListeningGenerator.Generated g = generator.next();
            kinds.merge(g.kind(), 1, Integer::sum);
            if (g.kind() == ListeningGenerator.Kind.MALFORMED) {
                assertEquals(g.expectedReason(), outcome(codec, validator, g.value()), "record " + i);
                reasons.add(g.expectedReason());
            } else {
                assertNull(outcome(codec, validator, g.value()), "record " + i + " must be valid");
                assertEquals(g.key(), g.event().getUserId());
            }
        }
        assertBetween(0.04, 0.06, kinds.get(ListeningGenerator.Kind.DUPLICATE) / (double) n, "duplicate share");
        assertBetween(0.04, 0.06, kinds.get(ListeningGenerator.Kind.MALFORMED) / (double) n, "malformed share");
        assertEquals(9, reasons.size(), "every kind of malformation appears: " + reasons);
    }

    @Test
    void listeningLooksLikeMusic() {
        ListeningGenerator generator = new ListeningGenerator(ListeningGenerator.Params.clean(1_000, 5_000, 1),
                new AtomicLong(NOW - 86_400_000L)::incrementAndGet);
        Map<String, Integer> songPlays = new HashMap<>();
        Set<String> heard = new HashSet<>();
        int plays = 0;
        int replays = 0;
        int skips = 0;
        int likes = 0;
        for (int i = 0; i < 50_000; i++) {
            ListenEvent e = generator.next().event();
            if (e.getType() == ListenType.PLAY) {
                plays++;
                songPlays.merge(e.getSongId(), 1, Integer::sum);
                if (!heard.add(e.getUserId() + "/" + e.getSongId())) {
                    replays++;
                }
            } else if (e.getType() == ListenType.SKIP) {
                skips++;
                assertTrue(e.getPlayedMs() < 40_000, "skips come early");
            } else if (e.getType() == ListenType.LIKE) {
                likes++;
            }
        }
        assertTrue(replays > 0.3 * plays, "favourites are replayed: " + replays + " of " + plays);
        assertBetween(0.1, 0.4, skips / 50_000.0, "skip share");
        assertBetween(0.005, 0.1, likes / 50_000.0, "like share");
        int[] counts = songPlays.values().stream().mapToInt(Integer::intValue).sorted().toArray();
        int top = counts[counts.length - 1];
        int median = counts[counts.length / 2];
        assertTrue(top > 20 * median, "popularity is skewed (Zipf): top " + top + ", median " + median
                + ", counts " + Arrays.toString(Arrays.copyOfRange(counts, counts.length - 5, counts.length)));
    }

    private static DeadLetterReason outcome(SingleObjectCodec<ListenEvent> codec, EventValidator validator, byte[] value) {
        if (value == null) {
            return DeadLetterReason.EMPTY_VALUE;
        }
        try {
            Rejection r = validator.validate(codec.decode(value), NOW);
            return r == null ? null : r.reason();
        } catch (DecodeException e) {
            return e.kind() == DecodeException.Kind.UNKNOWN_SCHEMA ? DeadLetterReason.UNKNOWN_SCHEMA : DeadLetterReason.UNDECODABLE;
        }
    }

    private static void assertBetween(double low, double high, double actual, String what) {
        assertTrue(actual >= low && actual <= high, what + " " + actual + " not in [" + low + ", " + high + "]");
    }
}
