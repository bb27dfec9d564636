package dev.listenseq.embedded;

import dev.listenseq.avro.DeadLetterReason;
import dev.listenseq.avro.ListenEvent;
import dev.listenseq.avro.ListenType;
import dev.listenseq.codec.SingleObjectCodec;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * Generates realistic listening: song popularity follows a Zipf law, each user has favourites they
 * replay (sometimes on loop), users listen in bursty sessions, plays are weighted by how long they
 * ran, skips come early, likes and collects follow good plays. A configurable share of records is
 * imperfect: exact duplicates, events delayed in event time, and malformed records of every kind the
 * job must dead-letter. Deterministic for a given seed and clock.
 */
public final class ListeningGenerator {

    /** What a generated record is, so callers can predict what the job does with it. */
    public enum Kind { EVENT, DUPLICATE, MALFORMED }

    /**
     * One Kafka record to send.
     *
     * @param event          the event for EVENT and DUPLICATE, null for MALFORMED
     * @param expectedReason the dead-letter reason for MALFORMED, null otherwise
     */
    public record Generated(String key, byte[] value, Kind kind, ListenEvent event, DeadLetterReason expectedReason) {
    }

    /** Shape of the traffic; rates are shares of all generated records. */
    public record Params(int users, int songs, long seed, double duplicateRate, double outOfOrderRate,
                         double malformedRate) {

        /** Clean traffic: no duplicates, no delays, nothing malformed. */
        public static Params clean(int users, int songs, long seed) {
            return new Params(users, songs, seed, 0, 0, 0);
        }
    }

    private static final String[] CONTEXTS = {"playlist", "radio", "search", "daily-mix", "album"};
    private static final DeadLetterReason[] MALFORMATIONS = {
        DeadLetterReason.UNDECODABLE, DeadLetterReason.UNKNOWN_SCHEMA, DeadLetterReason.UNKNOWN_TYPE,
        DeadLetterReason.INVALID_ID, DeadLetterReason.INVALID_DURATION, DeadLetterReason.MISSING_PLAYED_MS,
        DeadLetterReason.INVALID_TIMESTAMP, DeadLetterReason.FUTURE_TIMESTAMP, DeadLetterReason.EMPTY_VALUE};

    private final Params params;
    private final LongSupplier clock;
    private final SplittableRandom random;
    private final SingleObjectCodec<ListenEvent> codec = SingleObjectCodec.of(ListenEvent.class);
    private final double[] songCdf;
    private final double[] userCdf;
    private final int[][] favourites;
    private final List<Session> sessions = new ArrayList<>();
    private final Set<Integer> usersInSession = new HashSet<>();
    private final ArrayDeque<ListenEvent> pending = new ArrayDeque<>();
    private final int targetSessions;
    private final String idPrefix;
    private long sequence;
    private Generated lastEvent;

    private static final class Session {
        final int user;
        final String context;
        int tracksLeft;
        int lastSong = -1;

        Session(int user, String context, int tracksLeft) {
            this.user = user;
            this.context = context;
            this.tracksLeft = tracksLeft;
        }
    }

    /** clock gives each event's event_time in epoch milliseconds (the wall clock for live traffic). */
    public ListeningGenerator(Params params, LongSupplier clock) {
        if (params.users() < 1 || params.songs() < 1) {
            throw new IllegalArgumentException("users and songs must be positive");
        }
        this.params = params;
        this.clock = clock;
        this.random = new SplittableRandom(params.seed());
        this.songCdf = zipfCdf(params.songs(), 1.0);
        this.userCdf = zipfCdf(params.users(), 0.8);
        this.favourites = new int[params.users()][];
        this.targetSessions = Math.max(1, Math.min(params.users(), 8 + params.users() / 50));
        this.idPrefix = "ev-" + Long.toString(params.seed() & Long.MAX_VALUE, 36) + "-";
    }

    public static String userId(int user) {
        return String.format("user-%06d", user);
    }

    public static String songId(int song) {
        return String.format("song-%06d", song);
    }

    public Generated next() {
        double roll = random.nextDouble();
        if (roll < params.malformedRate()) {
            return malformed();
        }
        if (roll < params.malformedRate() + params.duplicateRate() && lastEvent != null) {
            return new Generated(lastEvent.key(), lastEvent.value(), Kind.DUPLICATE, lastEvent.event(), null);
        }
        ListenEvent event = nextEvent();
        if (random.nextDouble() < params.outOfOrderRate()) {
            long delay = 60_000 + random.nextLong(6 * 3_600_000L);
            event.setEventTime(event.getEventTime().minusMillis(delay));
        }
        lastEvent = new Generated(event.getUserId(), codec.encode(event), Kind.EVENT, event, null);
        return lastEvent;
    }

    private ListenEvent nextEvent() {
        if (!pending.isEmpty()) {
            ListenEvent follow = pending.poll();
            follow.setEventTime(Instant.ofEpochMilli(clock.getAsLong()));
            return follow;
        }
        Session session = pickSession();
        int song = nextSong(session);
        session.lastSong = song;
        if (--session.tracksLeft == 0) {
            sessions.remove(session);
            usersInSession.remove(session.user);
        }
        boolean favourite = isFavourite(session.user, song);
        long length = songLength(song);
        boolean skip = random.nextDouble() < (favourite ? 0.08 : 0.35);
        long played = skip
                ? 2_000 + random.nextLong(38_000)
                : random.nextDouble() < 0.3 ? length : (long) (length * (0.55 + 0.45 * random.nextDouble()));
        ListenEvent event = event(session.user, song, skip ? ListenType.SKIP : ListenType.PLAY, session.context);
        event.setPlayedMs(Math.min(played, length));
        event.setDurationMs(hasKnownLength(song) ? length : null);
        if (!skip && random.nextDouble() < (favourite ? 0.06 : 0.02)) {
            pending.add(event(session.user, song, ListenType.LIKE, session.context));
        }
        if (!skip && random.nextDouble() < 0.01) {
            pending.add(event(session.user, song, ListenType.COLLECT, session.context));
        }
        return event;
    }

    private ListenEvent event(int user, int song, ListenType type, String context) {
        return ListenEvent.newBuilder()
                .setEventId(idPrefix + sequence++)
                .setUserId(userId(user))
                .setSongId(songId(song))
                .setArtistId(String.format("artist-%05d", artistOf(song)))
                .setType(type)
                .setEventTime(Instant.ofEpochMilli(clock.getAsLong()))
                .setPlayedMs(null)
                .setDurationMs(null)
                .setContext(context)
                .build();
    }

    private Session pickSession() {
        while (sessions.size() < targetSessions) {
            int user = sample(userCdf);
            if (usersInSession.add(user)) {
                sessions.add(new Session(user, CONTEXTS[random.nextInt(CONTEXTS.length)], 3 + random.nextInt(25)));
            } else if (usersInSession.size() >= params.users()) {
                break;
            }
        }
        return sessions.get(random.nextInt(sessions.size()));
    }

    private int nextSong(Session session) {
        if (session.lastSong >= 0 && random.nextDouble() < 0.12) {
            return session.lastSong;
        }
        int[] favs = favouritesOf(session.user);
        if (random.nextDouble() < 0.4) {
            return favs[random.nextInt(favs.length)];
        }
        return sample(songCdf);
    }

    private int[] favouritesOf(int user) {
        if (favourites[user] == null) {
            // Seeded by the user alone, so a user's taste does not depend on who was generated first.
            SplittableRandom taste = new SplittableRandom(params.seed() * 31 + user);
            int[] favs = new int[5 + taste.nextInt(16)];
            for (int i = 0; i < favs.length; i++) {
                favs[i] = sample(songCdf, taste.nextDouble());
            }
            Arrays.sort(favs);
            favourites[user] = favs;
        }
        return favourites[user];
    }

    private boolean isFavourite(int user, int song) {
        return Arrays.binarySearch(favouritesOf(user), song) >= 0;
    }

    private Generated malformed() {
        DeadLetterReason reason = MALFORMATIONS[random.nextInt(MALFORMATIONS.length)];
        int user = sample(userCdf);
        ListenEvent event = event(user, sample(songCdf), ListenType.PLAY, "radio");
        event.setPlayedMs(90_000L);
        byte[] value;
        switch (reason) {
            case UNDECODABLE:
                value = new byte[1 + random.nextInt(64)];
                for (int i = 0; i < value.length; i++) {
                    value[i] = (byte) random.nextInt(256);
                }
                value[0] = '{';
                break;
            case UNKNOWN_SCHEMA:
                value = codec.encode(event);
                value[2] ^= (byte) 0x5A;
                break;
            case UNKNOWN_TYPE:
                event.setType(ListenType.UNKNOWN);
                value = codec.encode(event);
                break;
            case INVALID_ID:
                event.setSongId(random.nextBoolean() ? "" : "s".repeat(10_240));
                value = codec.encode(event);
                break;
            case INVALID_DURATION:
                event.setPlayedMs(-1_000L - random.nextInt(100_000));
                value = codec.encode(event);
                break;
            case MISSING_PLAYED_MS:
                event.setPlayedMs(null);
                value = codec.encode(event);
                break;
            case INVALID_TIMESTAMP:
                event.setEventTime(Instant.ofEpochMilli(-1L - random.nextInt(1_000_000)));
                value = codec.encode(event);
                break;
            case FUTURE_TIMESTAMP:
                event.setEventTime(event.getEventTime().plusMillis(365L * 24 * 3_600_000));
                value = codec.encode(event);
                break;
            default:
                value = null;
        }
        // A tombstone keyed by a user is a deletion request, not bad input: the malformed one has no key.
        return new Generated(value == null ? null : userId(user), value, Kind.MALFORMED, null, reason);
    }

    private static long mix(long x) {
        x = (x ^ (x >>> 33)) * 0xff51afd7ed558ccdL;
        x = (x ^ (x >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return x ^ (x >>> 33);
    }

    private static long songLength(int song) {
        return 120_000 + Math.floorMod(mix(song), 240_000L);
    }

    private static boolean hasKnownLength(int song) {
        return Math.floorMod(mix(song + 7), 20L) != 0;
    }

    private int artistOf(int song) {
        return (int) Math.floorMod(mix(song + 13), Math.max(1, params.songs() / 10));
    }

    private int sample(double[] cdf) {
        return sample(cdf, random.nextDouble());
    }

    private static int sample(double[] cdf, double u) {
        int i = Arrays.binarySearch(cdf, u);
        return Math.min(cdf.length - 1, i >= 0 ? i : -i - 1);
    }

    private static double[] zipfCdf(int n, double exponent) {
        double[] cdf = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += 1.0 / Math.pow(i + 1, exponent);
            cdf[i] = sum;
        }
        for (int i = 0; i < n; i++) {
            cdf[i] /= sum;
        }
        return cdf;
    }

    /** Bytes of a key, UTF-8. */
    public static byte[] keyBytes(String key) {
        return key == null ? null : key.getBytes(StandardCharsets.UTF_8);
    }
}
