package dev.listenseq.bench;

import java.nio.charset.StandardCharsets;

/**
 * The user_id and version of a single-object-encoded UserSequence, read without decoding the
 * items: they are the first two fields of the body (an Avro string and a long, both zig-zag
 * varint prefixed). Lets the latency probe keep up with the snapshots on the same cores.
 */
record SnapshotHeader(String userId, long version) {

    private static final int BODY = 10;

    static SnapshotHeader read(byte[] message) {
        int[] pos = {BODY};
        int length = (int) varLong(message, pos);
        if (length < 0 || pos[0] + length > message.length) {
            throw new IllegalArgumentException("not a UserSequence: user_id length " + length);
        }
        String user = new String(message, pos[0], length, StandardCharsets.UTF_8);
        pos[0] += length;
        return new SnapshotHeader(user, varLong(message, pos));
    }

    private static long varLong(byte[] b, int[] pos) {
        long raw = 0;
        int shift = 0;
        while (true) {
            if (pos[0] >= b.length || shift > 63) {
                throw new IllegalArgumentException("not a UserSequence: truncated varint");
            }
            int next = b[pos[0]++] & 0xFF;
            raw |= (long) (next & 0x7F) << shift;
            if ((next & 0x80) == 0) {
                break;
            }
            shift += 7;
        }
        return (raw >>> 1) ^ -(raw & 1);
    }
}
