package dev.lockstep.jmh.report;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {

    @Test
    void parsesNestedValuesAndKeepsKeyOrder() {
        Object v = Json.parse(" { \"z\" : [1, -2.5e1, true, false, null], \"a\" : {\"b\": \"c\"}, \"m\": {} , \"e\": []}\n");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("z", "a", "m", "e"), List.copyOf(m.keySet()));
        List<?> z = (List<?>) m.get("z");
        assertEquals(1.0, z.get(0));
        assertEquals(-25.0, z.get(1));
        assertEquals(Boolean.TRUE, z.get(2));
        assertEquals(Boolean.FALSE, z.get(3));
        assertNull(z.get(4));
        assertEquals("c", ((Map<?, ?>) m.get("a")).get("b"));
        assertTrue(((Map<?, ?>) m.get("m")).isEmpty());
        assertTrue(((List<?>) m.get("e")).isEmpty());
    }

    @Test
    void decodesStringEscapes() {
        assertEquals("a\"b\\c/d\n\t\u00b7gc", Json.parse("\"a\\\"b\\\\c\\/d\\n\\t\\u00b7gc\""));
        assertEquals("·gc.alloc.rate.norm", Json.parse("\"·gc.alloc.rate.norm\""));
    }

    @Test
    void readsJmhNumericStrings() {
        assertTrue(Double.isNaN(Json.toDouble("NaN")));
        assertEquals(Double.POSITIVE_INFINITY, Json.toDouble("Infinity"));
        assertEquals(1.5, Json.toDouble("1.5"));
        assertEquals(2.0, Json.toDouble(2.0));
        assertTrue(Double.isNaN(Json.toDouble(null)));
        assertTrue(Double.isNaN(Json.toDouble("fast")));
    }

    @Test
    void rejectsMalformedInputWithItsPosition() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": 1,}"));
        assertTrue(e.getMessage().contains("offset 8"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1, 2"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("\"open"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1] x"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("tru"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("\"\\q\""));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("-"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse(""));
    }
}
