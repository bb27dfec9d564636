package dev.listenseq.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A plain-text table: the first column left-aligned, the others right-aligned, for figures. */
final class Table {

    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    Table(String... header) {
        this.columns = header.length;
        rows.add(header);
    }

    Table row(Object... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException("a row needs " + columns + " cells, got " + cells.length);
        }
        rows.add(Arrays.stream(cells).map(c -> c == null ? "" : c.toString()).toArray(String[]::new));
        return this;
    }

    @Override
    public String toString() {
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                String cell = row[i];
                String pad = " ".repeat(width[i] - cell.length());
                line.append(i == 0 ? cell + pad : pad + cell).append(i == columns - 1 ? "" : "  ");
            }
            out.append(line.toString().stripTrailing()).append('\n');
            if (r == 0) {
                int total = Arrays.stream(width).sum() + 2 * (columns - 1);
                out.append("-".repeat(total)).append('\n');
            }
        }
        return out.toString();
    }

    /** 12345.6 → "12,346"; NaN → "n/a". */
    static String number(double value) {
        return Double.isNaN(value) ? "n/a" : String.format("%,.0f", value);
    }

    /** A ratio with two decimals; NaN → "n/a". */
    static String ratio(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "n/a" : String.format("%.2f", value);
    }

    /** Bytes in B, KB, MB or GB (powers of 1024); negative → "n/a". */
    static String bytes(double value) {
        if (value < 0 || Double.isNaN(value)) {
            return "n/a";
        }
        String[] units = {"B", "KB", "MB", "GB"};
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? String.format("%.0f B", value) : String.format("%.1f %s", value, units[unit]);
    }
}
