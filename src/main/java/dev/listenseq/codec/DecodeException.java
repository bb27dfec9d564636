package dev.listenseq.codec;

/** A message that is not a decodable single-object-encoded record of the expected type. */
public final class DecodeException extends Exception {

    /** Why decoding failed. */
    public enum Kind {
        /** Not single-object encoded, truncated, or a body that does not match its writer schema. */
        UNDECODABLE,
        /** A well-formed header whose fingerprint is not a released version of the expected record. */
        UNKNOWN_SCHEMA
    }

    private final Kind kind;

    public DecodeException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
