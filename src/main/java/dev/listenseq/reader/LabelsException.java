package dev.listenseq.reader;

/** A labels file that cannot be used; the message names the file, the line and what is wrong there. */
public final class LabelsException extends RuntimeException {

    public LabelsException(String message) {
        super(message);
    }
}
