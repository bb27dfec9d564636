package dev.listenseq.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SizesTest {

    @Test
    void parsesBytesAndBinaryUnits() {
        assertEquals(512, Sizes.parse("512"));
        assertEquals(64L << 10, Sizes.parse("64k"));
        assertEquals(512L << 20, Sizes.parse("512m"));
        assertEquals(512L << 20, Sizes.parse("512 MB"));
        assertEquals(2L << 30, Sizes.parse("2g"));
    }

    @Test
    void rejectsWhatIsNotASize() {
        assertEquals(-1, Sizes.parse(""));
        assertEquals(-1, Sizes.parse("1.5g"));
        assertEquals(-1, Sizes.parse("-1m"));
        assertEquals(-1, Sizes.parse("2t"));
        assertEquals(-1, Sizes.parse("lots"));
    }
}
