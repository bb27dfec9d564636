package dev.listenseq.reader;

/** The reader cannot do what was asked (a missing topic, an unreachable broker); the message says what to fix. */
public final class ReaderException extends RuntimeException {

    public ReaderException(String message) {
        super(message);
    }

    public ReaderException(String message, Throwable cause) {
        super(message, cause);
    }
}
