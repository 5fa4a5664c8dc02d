package dev.lockstep.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import dev.lockstep.aeron.SequenceTracker.Verdict;

class SequenceTrackerTest {
    @Test
    void inOrderGapDuplicateAndNewEpoch() {
        SequenceTracker t = new SequenceTracker();
        assertEquals(Verdict.NEW_EPOCH, t.judge(5, 0));
        assertEquals(0, t.accept(5, 0));
        assertEquals(Verdict.IN_ORDER, t.judge(5, 1));
        assertEquals(0, t.accept(5, 1));
        assertEquals(Verdict.GAP, t.judge(5, 4));
        assertEquals(Verdict.GAP, t.judge(5, 4), "judge changes nothing");
        assertEquals(2, t.accept(5, 4));
        assertEquals(Verdict.DUPLICATE, t.judge(5, 4));
        assertEquals(0, t.accept(5, 4));
        assertEquals(Verdict.DUPLICATE, t.judge(5, 2));
        assertEquals(0, t.accept(5, 3));
        assertEquals(5, t.expected(), "a duplicate does not move the expectation back");
        assertEquals(Verdict.NEW_EPOCH, t.judge(9, 3));
        assertEquals(3, t.accept(9, 3), "a new epoch starting at 3 misses its 0..2");
        assertEquals(2, t.gaps());
        assertEquals(5, t.missing());
        assertEquals(2, t.duplicates());
        assertEquals(1, t.resets());
        assertEquals(9, t.epoch());
        assertEquals(4, t.expected());
    }

    @Test
    void aResumedTrackerContinuesItsEpoch() {
        SequenceTracker t = new SequenceTracker(7, 100);
        assertEquals(Verdict.IN_ORDER, t.judge(7, 100));
        assertEquals(Verdict.DUPLICATE, t.judge(7, 99));
        assertEquals(1, t.accept(7, 101));
        assertEquals(0, t.resets());
    }
}
