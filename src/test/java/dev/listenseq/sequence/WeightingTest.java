package dev.listenseq.sequence;

import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.PlaySource;
import dev.listenseq.avro.state.ItemState;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WeightingTest {

    private static final long DAY = 86_400_000L;
    private final Weighting w = Weighting.defaults();

    @Test
    void completionIsClampedAndFallsBackToTheDefaultDuration() {
        assertEquals(0.5, w.completion(100_000, 200_000L), 1e-15);
        assertEquals(1.0, w.completion(500_000, 200_000L), 1e-15);
        assertEquals(0.0, w.completion(0, 200_000L), 1e-15);
        assertEquals(90_000.0 / 180_000, w.completion(90_000, null), 1e-15);
    }

    @Test
    void decayHalvesEveryHalfLife() {
        assertEquals(1.0, w.decay(0), 0);
        assertEquals(0.5, w.decay(14 * DAY), 1e-12);
        assertEquals(0.25, w.decay(28 * DAY), 1e-12);
    }

    @Test
    void weightFollowsTheDesignFormula() {
        long last = 1_000 * DAY;
        // Sums are anchored at last_time: 3 plays worth 2.0 there, one skip worth 0.5, liked 7 days before as_of.
        ItemState item = ItemState.newBuilder()
                .setArtistId(null).setFirstTime(last - DAY).setLastTime(last).setLastEventId("x")
                .setLastType(ListenType.PLAY).setPlays(3).setSkips(1).setLikeTime(last - 7 * DAY)
                .setCollectTime(null).setListenedMs(0).setPlaySum(2.0).setSkipSum(0.5).build();
        long asOf = last + 14 * DAY;
        double expected = (1 + 0.5 * Math.log(3)) * 2.0 * 0.5 - 1.0 * 0.5 * 0.5 + 2.0 * Math.pow(2, -21.0 / 14);
        assertEquals(expected, w.weight(item, asOf), 1e-12);
    }

    @Test
    void noRepeatBoostWithoutPlays() {
        ItemState liked = ItemState.newBuilder()
                .setArtistId(null).setFirstTime(0).setLastTime(0).setLastEventId("x")
                .setLastType(ListenType.LIKE).setPlays(0).setSkips(0).setLikeTime(0L)
                .setCollectTime(0L).setListenedMs(0).setPlaySum(0.0).setSkipSum(0.0).build();
        assertEquals(2.0 + 3.0, w.weight(liked, 0), 1e-15);
    }

    @Test
    void playSourceMultipliesThePlayTermOnly() {
        Weighting weighted = w.withPlaySources(PlaySourceWeights.of(Map.of(PlaySource.RADIO, 0.5, PlaySource.SEARCH, 2.0)));
        assertEquals(0.5 * 0.8, weighted.playTerm(0.8, PlaySource.RADIO), 1e-15);
        assertEquals(2.0 * 0.8, weighted.playTerm(0.8, PlaySource.SEARCH), 1e-15);
        assertEquals(0.8, weighted.playTerm(0.8, PlaySource.PLAYLIST), 1e-15, "sources not configured keep 1.0");
        assertEquals(0.8, weighted.playTerm(0.8, null), 1e-15, "an event without a play source (v1) is not scaled");
    }

    @Test
    void defaultsIgnoreThePlaySource() {
        for (PlaySource source : PlaySource.values()) {
            assertEquals(0.8, w.playTerm(0.8, source), 0);
        }
        assertEquals(PlaySourceWeights.neutral(), w.playSources());
        assertEquals(w, new Weighting(w.halfLifeMs(), w.defaultDurationMs(), w.repeatBoost(), w.skipPenalty(),
                w.likeWeight(), w.collectWeight(), PlaySourceWeights.of(Map.of(PlaySource.RADIO, 1.0))));
    }

    @Test
    void negativeOrInfiniteMultipliersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PlaySourceWeights.of(Map.of(PlaySource.RADIO, -0.1)));
        assertThrows(IllegalArgumentException.class,
                () -> PlaySourceWeights.of(Map.of(PlaySource.RADIO, Double.POSITIVE_INFINITY)));
        assertThrows(IllegalArgumentException.class, () -> PlaySourceWeights.of(Map.of(PlaySource.RADIO, Double.NaN)));
    }
}
