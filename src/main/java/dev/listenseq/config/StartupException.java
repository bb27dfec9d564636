package dev.listenseq.config;

/** The job cannot start for a reason outside the code (an unreachable broker, a busy port); the message says what to do. */
public final class StartupException extends RuntimeException {

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
