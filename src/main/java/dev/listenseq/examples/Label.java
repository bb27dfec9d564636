package dev.listenseq.examples;

import dev.listenseq.avro.ListenType;

/**
 * One positive example's label: the input event it comes from, and where it was read
 * ({@code partition}, {@code offset} of the input topic, to order it against an erasure).
 */
public record Label(String userId, long time, String eventId, String songId, String artistId, ListenType type,
                    int partition, long offset) {
}
