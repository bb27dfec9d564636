package dev.listenseq.reader;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads training labels: CSV with a header row naming {@code user_id} and {@code label_time}
 * columns, or JSON Lines with those properties (chosen by the file's extension: .csv, or
 * .jsonl/.ndjson/.json). {@code label_time} is epoch milliseconds or an ISO-8601 instant with a
 * zone offset. Other columns are kept as label fields. Any bad line stops the read with a message
 * naming the file and line.
 */
public final class LabelsFile {

    public static final String USER_ID = "user_id";
    public static final String LABEL_TIME = "label_time";

    private LabelsFile() {
    }

    public static List<Label> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new LabelsException("labels file " + file + " does not exist");
        } catch (IOException e) {
            throw new LabelsException("cannot read labels file " + file + ": " + e.getMessage());
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return csv(file, lines);
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
            return jsonLines(file, lines);
        }
        throw new LabelsException("labels file " + file + " must end in .csv or .jsonl (CSV with a header row, or JSON Lines)");
    }

    static List<Label> csv(Path file, List<String> lines) {
        int headerLine = 0;
        while (headerLine < lines.size() && lines.get(headerLine).isBlank()) {
            headerLine++;
        }
        if (headerLine == lines.size()) {
            throw new LabelsException(file + " is empty; it needs a header row with user_id and label_time");
        }
        List<String> header = splitCsv(file, headerLine + 1, stripBom(lines.get(headerLine)));
        int userColumn = header.indexOf(USER_ID);
        int timeColumn = header.indexOf(LABEL_TIME);
        if (userColumn < 0 || timeColumn < 0) {
            throw new LabelsException(file + " line " + (headerLine + 1) + ": the header " + header
                    + " must name the columns user_id and label_time");
        }
        List<Label> labels = new ArrayList<>();
        for (int i = headerLine + 1; i < lines.size(); i++) {
            int lineNo = i + 1;
            if (lines.get(i).isBlank()) {
                continue;
            }
            List<String> cells = splitCsv(file, lineNo, lines.get(i));
            if (cells.size() != header.size()) {
                throw new LabelsException(file + " line " + lineNo + ": " + cells.size() + " columns; the header has "
                        + header.size());
            }
            ObjectNode fields = JsonNodeFactory.instance.objectNode();
            for (int c = 0; c < header.size(); c++) {
                if (c != userColumn && c != timeColumn) {
                    fields.put(header.get(c), cells.get(c));
                }
            }
            labels.add(new Label(lineNo, user(file, lineNo, cells.get(userColumn)),
                    time(file, lineNo, cells.get(timeColumn)), fields));
        }
        return labels;
    }

    static List<Label> jsonLines(Path file, List<String> lines) {
        List<Label> labels = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String text = i == 0 ? stripBom(lines.get(i)) : lines.get(i);
            if (text.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = SnapshotJson.MAPPER.readTree(text);
            } catch (JsonProcessingException e) {
                throw new LabelsException(file + " line " + lineNo + ": not JSON (" + e.getOriginalMessage() + ")");
            }
            if (!node.isObject()) {
                throw new LabelsException(file + " line " + lineNo + ": a JSON object with user_id and label_time is expected");
            }
            JsonNode user = node.get(USER_ID);
            if (user == null || !user.isTextual()) {
                throw new LabelsException(file + " line " + lineNo + ": user_id is missing or not a string");
            }
            JsonNode time = node.get(LABEL_TIME);
            if (time == null || !(time.isTextual() || time.isIntegralNumber())) {
                throw new LabelsException(file + " line " + lineNo
                        + ": label_time is missing or neither a string nor an integer");
            }
            ObjectNode fields = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!field.getKey().equals(USER_ID) && !field.getKey().equals(LABEL_TIME)) {
                    fields.set(field.getKey(), field.getValue());
                }
            }
            labels.add(new Label(lineNo, user(file, lineNo, user.asText()), time(file, lineNo, time.asText()), fields));
        }
        return labels;
    }

    private static String user(Path file, int line, String user) {
        if (user.isBlank()) {
            throw new LabelsException(file + " line " + line + ": user_id is empty");
        }
        return user;
    }

    static Instant time(Path file, int line, String text) {
        try {
            return parseTime(text);
        } catch (IllegalArgumentException e) {
            throw new LabelsException(file + " line " + line + ": label_time " + e.getMessage());
        }
    }

    /** Epoch milliseconds, or an ISO-8601 time with an offset (2026-11-01T10:00:00Z). */
    public static Instant parseTime(String text) {
        String t = text.trim();
        try {
            if (!t.isEmpty() && t.chars().allMatch(Character::isDigit)) {
                return Instant.ofEpochMilli(Long.parseLong(t));
            }
            return OffsetDateTime.parse(t).toInstant();
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("\"" + text
                    + "\" is neither epoch milliseconds nor an ISO-8601 time with an offset, like 2026-11-01T10:00:00Z");
        }
    }

    /** One CSV record on one line: commas separate, double quotes quote, "" is a quote inside quotes. */
    static List<String> splitCsv(Path file, int line, String text) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"' && cell.length() == 0) {
                quoted = true;
            } else if (c == ',') {
                cells.add(cell.toString().trim());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        if (quoted) {
            throw new LabelsException(file + " line " + line + ": a quoted value is not closed (values cannot span lines)");
        }
        cells.add(cell.toString().trim());
        return cells;
    }

    private static String stripBom(String line) {
        return line.startsWith("\uFEFF") ? line.substring(1) : line;
    }
}
