package dev.listenseq.codec;

import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.RecentEvent;
import dev.listenseq.avro.SequenceItem;
import dev.listenseq.avro.UserSequence;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The hand-written snapshot writer produces exactly Avro's bytes, so any reader sees no difference. */
class UserSequenceEncoderTest {

    private final SingleObjectCodec<UserSequence> avro = SingleObjectCodec.of(UserSequence.class);
    private final UserSequenceEncoder encoder = new UserSequenceEncoder();

    @Test
    void writesTheSameBytesAsAvroForRandomSnapshots() throws Exception {
        Random r = new Random(5);
        for (int n = 0; n < 2_000; n++) {
            UserSequence s = randomSnapshot(r);
            byte[] expected = avro.encode(s);
            assertArrayEquals(expected, encoder.encode(s), "snapshot " + n + ": " + s);
            assertEquals(s, avro.decode(encoder.encode(s)));
        }
    }

    private static UserSequence randomSnapshot(Random r) {
        List<SequenceItem> items = new ArrayList<>();
        int count = r.nextInt(10) == 0 ? 0 : r.nextInt(r.nextBoolean() ? 5 : 300);
        for (int i = 0; i < count; i++) {
            items.add(new SequenceItem(text(r), r.nextInt(4) == 0 ? null : text(r), time(r), time(r),
                    ListenType.values()[r.nextInt(ListenType.values().length)], number(r), number(r), r.nextBoolean(),
                    r.nextBoolean(), r.nextBoolean() ? r.nextLong() : (long) r.nextInt(1000),
                    r.nextInt(20) == 0 ? -0.0 : (r.nextDouble() - 0.3) * Math.pow(10, r.nextInt(12) - 6)));
        }
        List<RecentEvent> recent = new ArrayList<>();
        for (int i = r.nextInt(25); i > 0; i--) {
            recent.add(new RecentEvent(text(r), ListenType.values()[r.nextInt(4)], time(r),
                    r.nextBoolean() ? null : r.nextDouble()));
        }
        long version = r.nextBoolean() ? r.nextInt(100) : r.nextLong();
        long generation = r.nextInt(4) == 0 ? 0 : r.nextBoolean() ? 1_700_000_000_000L + r.nextInt() : r.nextLong();
        return new UserSequence(text(r), version, time(r), time(r), items, recent, generation);
    }

    private static int number(Random r) {
        return r.nextInt(5) == 0 ? r.nextInt() : r.nextInt(200);
    }

    private static Instant time(Random r) {
        return Instant.ofEpochMilli(r.nextInt(5) == 0 ? r.nextLong() / 1000 : 1_700_000_000_000L + r.nextInt(1 << 30));
    }

    private static String text(Random r) {
        switch (r.nextInt(6)) {
            case 0: return "";
            case 1: return "song-é-ü-" + r.nextInt(100);
            case 2: return "曲-" + r.nextInt(1000) + "-\uD83C\uDFB5";
            case 3: return "x".repeat(r.nextInt(300));
            default: return "song-" + String.format("%06d", r.nextInt(1_000_000));
        }
    }
}
