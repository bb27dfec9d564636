package dev.listenseq.reader;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;

/**
 * One training label: a user and the moment the label was observed, plus the label's own fields.
 *
 * @param line   1-based line in the labels file, for messages
 * @param fields the row's other columns or properties, passed through to the export
 */
public record Label(int line, String userId, Instant labelTime, ObjectNode fields) {
}
