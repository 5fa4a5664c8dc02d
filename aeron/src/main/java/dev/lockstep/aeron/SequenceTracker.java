package dev.lockstep.aeron;

/**
 * The inbound side's judgement of each arriving frame's (epoch, sequence): deliver, deliver after a
 * gap, or drop as a duplicate.
 *
 * <p>Within one epoch (one outbound bridge's sequence, kept across its restarts by its status file)
 * sequence numbers are consecutive: a frame ahead of the expected number means the frames in
 * between were lost (a {@linkplain #missing() gap}); a frame behind it was already delivered (an
 * outbound bridge restarted and sent again the one message it could not know it had sent: it is
 * {@linkplain Verdict#DUPLICATE dropped}). A frame of another epoch (the outbound bridge lost its
 * status file, or another source writes the stream) {@linkplain #resets() resets} the expectation
 * to that epoch's 0: whatever the old epoch did not deliver is unknown and not counted as a gap.
 *
 * <p>Implementation notes: plain fields, one thread (the inbound bridge's). {@link #judge} does not
 * change the state; {@link #accept} does, once the frame was delivered (or rejected for good), so a
 * frame held back by a full local mailbox is judged again unchanged on the next poll.
 */
public final class SequenceTracker {
    /** What to do with a frame. */
    public enum Verdict {
        /** The expected frame. */
        IN_ORDER,
        /** Ahead of the expected frame: {@code sequence - expected} frames were lost. */
        GAP,
        /** Behind the expected frame: already delivered; drop it. */
        DUPLICATE,
        /** First frame of another epoch (or the first frame ever). */
        NEW_EPOCH
    }

    private boolean started;
    private int epoch;
    private long expected;
    private long gaps;
    private long missing;
    private long duplicates;
    private long resets;

    /** A tracker that has seen nothing. */
    public SequenceTracker() {
    }

    /**
     * A tracker resuming at {@code expected} of {@code epoch} (an inbound bridge's saved state).
     *
     * @param epoch    the epoch the saved state refers to
     * @param expected the next sequence number expected in that epoch
     */
    public SequenceTracker(int epoch, long expected) {
        this.started = true;
        this.epoch = epoch;
        this.expected = expected;
    }

    /**
     * Judges a frame without changing anything (a frame that cannot be delivered yet is judged again).
     *
     * @param frameEpoch the frame's epoch
     * @param sequence   the frame's sequence number
     * @return what to do with the frame
     */
    public Verdict judge(int frameEpoch, long sequence) {
        if (!started || frameEpoch != epoch) {
            return Verdict.NEW_EPOCH;
        }
        if (sequence == expected) {
            return Verdict.IN_ORDER;
        }
        return sequence > expected ? Verdict.GAP : Verdict.DUPLICATE;
    }

    /**
     * Records the frame as handled (delivered, or dropped as a duplicate): updates the counters and,
     * unless it is a duplicate, expects {@code sequence + 1} of {@code frameEpoch} next.
     *
     * @param frameEpoch the frame's epoch
     * @param sequence   the frame's sequence number
     * @return the number of frames found missing before it (0 unless a gap)
     */
    public long accept(int frameEpoch, long sequence) {
        Verdict v = judge(frameEpoch, sequence);
        long lost = 0;
        switch (v) {
            case DUPLICATE:
                duplicates++;
                return 0;
            case NEW_EPOCH:
                if (started) {
                    resets++;
                }
                started = true;
                epoch = frameEpoch;
                lost = sequence; // frames 0 .. sequence-1 of this epoch never arrived
                break;
            case GAP:
                lost = sequence - expected;
                break;
            default:
                break;
        }
        if (lost > 0) {
            gaps++;
            missing += lost;
        }
        expected = sequence + 1;
        return lost;
    }

    /**
     * Whether any frame was seen, or the tracker resumed a saved state.
     *
     * @return {@code true} if started (else {@link #epoch()} and {@link #expected()} mean nothing)
     */
    public boolean started() {
        return started;
    }

    /**
     * The epoch of the frames now expected.
     *
     * @return the current epoch
     */
    public int epoch() {
        return epoch;
    }

    /**
     * The sequence number of the next in-order frame.
     *
     * @return the next sequence number expected in the current epoch
     */
    public long expected() {
        return expected;
    }

    /**
     * The number of gaps seen (events, however many frames each lost).
     *
     * @return gaps seen since this tracker was made
     */
    public long gaps() {
        return gaps;
    }

    /**
     * The number of frames found missing, over all gaps.
     *
     * @return frames lost since this tracker was made
     */
    public long missing() {
        return missing;
    }

    /**
     * The number of frames judged duplicates and dropped.
     *
     * @return duplicates since this tracker was made
     */
    public long duplicates() {
        return duplicates;
    }

    /**
     * The number of epoch changes after the first epoch.
     *
     * @return resets since this tracker was made
     */
    public long resets() {
        return resets;
    }
}
