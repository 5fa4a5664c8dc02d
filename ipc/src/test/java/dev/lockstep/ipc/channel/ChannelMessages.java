package dev.lockstep.ipc.channel;

import java.nio.ByteBuffer;

/**
 * The self-checking messages of the multi-process and crash tests: body = producer id (int), sequence
 * number (int), then bytes from a generator seeded by (producer, seq); the length is derived from
 * (producer, seq) too, so the consumer recomputes the whole expected message and any torn, stale or
 * misplaced byte is detected.
 */
final class ChannelMessages {
    static final int MIN_LENGTH = 8;

    private ChannelMessages() {
    }

    static long seed(int producer, int seq) {
        long z = ((long) producer << 32) ^ (seq & 0xFFFF_FFFFL) ^ 0x9E37_79B9_7F4A_7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    /** Body length of message (producer, seq) for a channel whose maximum is {@code max}. */
    static int length(int producer, int seq, int max) {
        return MIN_LENGTH + (int) Long.remainderUnsigned(seed(producer, seq), Math.min(max, 512) - MIN_LENGTH + 1);
    }

    /** Writes message (producer, seq) of {@code length} bytes at {@code at}. */
    static void write(ByteBuffer b, int at, int producer, int seq, int length) {
        b.putInt(at, producer);
        b.putInt(at + 4, seq);
        long x = seed(producer, seq);
        int i = 8;
        for (; i + 8 <= length; i += 8) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            b.putLong(at + i, x);
        }
        for (; i < length; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            b.put(at + i, (byte) (x >>> 56));
        }
    }

    /** Whether the body at {@code at} is exactly message (producer, seq) of {@code length} bytes. */
    static boolean check(ByteBuffer b, int at, int length, int max) {
        if (length < MIN_LENGTH) {
            return false;
        }
        int producer = b.getInt(at);
        int seq = b.getInt(at + 4);
        if (length != length(producer, seq, max)) {
            return false;
        }
        long x = seed(producer, seq);
        int i = 8;
        for (; i + 8 <= length; i += 8) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            if (b.getLong(at + i) != x) {
                return false;
            }
        }
        for (; i < length; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            if (b.get(at + i) != (byte) (x >>> 56)) {
                return false;
            }
        }
        return true;
    }
}
