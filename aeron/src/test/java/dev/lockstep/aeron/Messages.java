package dev.lockstep.aeron;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The test messages: message {@code seq} of a stream has a length and a type that depend on seq (so a
 * dropped, duplicated, reordered or cut message is seen), a body that starts with seq, a pattern derived
 * from seq, and ends with a CRC-32C of everything before it.
 *
 * <p>Lengths: mostly small (12-200 B), a quarter 200-1400 B, one in 20 up to {@code max} (above the
 * 1408-byte MTU Aeron fragments it, so reassembly is exercised).
 */
final class Messages {
    static final int MIN = 12;

    private Messages() {
    }

    static int length(long seq, int max) {
        long h = mix(seq);
        int bucket = (int) ((h >>> 8) % 20);
        int len;
        if (bucket == 0) {
            len = 1400 + (int) ((h >>> 16) % Math.max(1, max - 1400));
        } else if (bucket <= 5) {
            len = 200 + (int) ((h >>> 16) % 1200);
        } else {
            len = MIN + (int) ((h >>> 16) % 189);
        }
        return Math.min(Math.max(len, MIN), max);
    }

    static int type(long seq) {
        return 1 + (int) (seq % 5);
    }

    /** Writes message seq of length len at buf[at, at + len). */
    static void write(ByteBuffer buf, int at, long seq, int len) {
        buf.putLong(at, seq);
        long h = mix(seq);
        for (int i = 8; i < len - 4; i++) {
            buf.put(at + i, (byte) (h >>> ((i & 7) * 8) ^ i));
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.duplicate().position(at).limit(at + len - 4));
        buf.putInt(at + len - 4, (int) crc.getValue());
    }

    /**
     * Checks the message at buf[at, at + len) with type {@code type}.
     *
     * @return its seq
     * @throws AssertionError naming what is wrong
     */
    static long check(int type, ByteBuffer buf, int at, int len, int max) {
        if (len < MIN) {
            throw new AssertionError("message of " + len + " B is too short");
        }
        long seq = buf.getLong(at);
        if (len != length(seq, max)) {
            throw new AssertionError("message " + seq + ": length " + len + ", expected " + length(seq, max));
        }
        if (type != type(seq)) {
            throw new AssertionError("message " + seq + ": type " + type + ", expected " + type(seq));
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.duplicate().position(at).limit(at + len - 4));
        if ((int) crc.getValue() != buf.getInt(at + len - 4)) {
            throw new AssertionError("message " + seq + ": checksum mismatch (corrupt body)");
        }
        long h = mix(seq);
        for (int i = 8; i < len - 4; i++) {
            if (buf.get(at + i) != (byte) (h >>> ((i & 7) * 8) ^ i)) {
                throw new AssertionError("message " + seq + ": byte " + i + " differs");
            }
        }
        return seq;
    }

    private static long mix(long x) {
        x += 0x9E3779B97F4A7C15L;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }
}
