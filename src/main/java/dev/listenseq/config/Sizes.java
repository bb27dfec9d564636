package dev.listenseq.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Memory sizes in configuration: a whole number with an optional unit b, k, m or g (powers of 1024). */
public final class Sizes {

    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*([bkmg]?)b?");

    private Sizes() {
    }

    /** The size in bytes, or -1 when the text is not a size. */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return -1;
        }
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "k": return n << 10;
            case "m": return n << 20;
            case "g": return n << 30;
            default: return n;
        }
    }
}
