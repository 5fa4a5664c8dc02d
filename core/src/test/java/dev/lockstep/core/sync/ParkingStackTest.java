package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParkingStackTest {

    @Test
    void leavingUnlinksCancelledNodesAnywhereInTheStack() {
        ParkingStack s = new ParkingStack();
        ParkingStack.Node a = s.push();
        ParkingStack.Node b = s.push();
        ParkingStack.Node c = s.push();
        assertTrue(s.leave(b)); // middle
        assertFalse(s.isEmpty());
        assertTrue(s.leave(c)); // top
        assertFalse(s.isEmpty());
        assertTrue(s.wakeOne(), "a is still waiting and reachable");
        assertTrue(a.isWoken());
        assertFalse(s.leave(a), "a woken node is off the stack already");
        assertTrue(s.isEmpty());
    }

    @Test
    void wakeAllSkipsCancelledAndEmptiesTheStack() {
        ParkingStack s = new ParkingStack();
        ParkingStack.Node a = s.push();
        ParkingStack.Node b = s.push();
        assertTrue(s.cancel(a));
        s.wakeAll();
        assertTrue(b.isWoken());
        assertFalse(a.isWoken());
        assertTrue(s.isEmpty());
        assertFalse(s.wakeOne());
    }

    @Test
    void manyTimedOutWaitersLeaveNoGarbage() {
        ParkingStack s = new ParkingStack();
        for (int i = 0; i < 1000; i++) {
            ParkingStack.Node n = s.push();
            assertTrue(s.leave(n));
        }
        assertTrue(s.isEmpty());
    }
}
