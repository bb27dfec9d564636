package dev.listenseq.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's load average, printed beside every figure a tool measures: a figure taken while
 * other work shared the CPU (a load average well above the core count) is not evidence.
 */
public final class LoadAverage {

    private LoadAverage() {
    }

    /** "load average 1.02 0.87 0.90" (1, 5 and 15 minutes), or "load average unknown" off Linux. */
    public static String now() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return "load average " + parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "load average unknown";
        }
    }
}
