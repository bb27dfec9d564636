package dev.listenseq.bench;

import java.util.Map;

/**
 * One benchmark case: what runs (kind), under which name in the table, and the job keys it sets
 * on top of the run's common configuration.
 */
record Case(String name, Kind kind, Map<String, String> keys) {

    enum Kind {
        PASS_THROUGH("pass-through"),
        JOB("job"),
        BACKFILL("backfill"),
        KAFKA_STREAMS("kafka-streams");

        final String id;

        Kind(String id) {
            this.id = id;
        }
    }

    static Case job(String backend, int maxItems) {
        return new Case("job " + backend + " max-items " + maxItems, Kind.JOB,
                Map.of("state.backend", backend, "sequence.max-items", String.valueOf(maxItems)));
    }

    /** The job emitting a snapshot for every change (emit.min-interval 0), as it does when users' events are far apart. */
    static Case jobEveryChange(String backend, int maxItems) {
        return new Case("job " + backend + " max-items " + maxItems + ", emit.min-interval 0", Kind.JOB,
                Map.of("state.backend", backend, "sequence.max-items", String.valueOf(maxItems), "emit.min-interval", "0ms"));
    }

    /** The name as a topic or job name fragment. */
    String slug() {
        return name.replaceAll("[^a-zA-Z0-9]+", "-");
    }
}
