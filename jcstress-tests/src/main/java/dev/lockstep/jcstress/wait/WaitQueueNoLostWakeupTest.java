package dev.lockstep.jcstress.wait;

import dev.lockstep.core.internal.WaitNode;
import dev.lockstep.core.internal.WaitQueue;
import dev.lockstep.core.internal.Waits;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up in the waiting layer itself ({@code dev.lockstep.core.internal.WaitQueue}), on the
 * smallest primitive built on it: a gate that a waiter passes once it is open. The actor waits
 * uninterruptibly; the signal opens the gate (volatile write) and then calls {@code wakeWaiters()}
 * (volatile read of the queue head). The opening may come before the waiter's first check, during its
 * spin, between its last check and the linking of its node, or after it parked: in every case the
 * waiter must return (the layer's re-check under the queue lock after linking, against the releaser's
 * check of the queue after its write: the Dekker handshake). Both kinds of queue: wake-and-retry
 * (the woken waiter re-checks the gate) and hand-off (the grant itself lets it pass).
 */
public final class WaitQueueNoLostWakeupTest {
    private WaitQueueNoLostWakeupTest() {
    }

    /** A gate on the layer: tryAcquire passes once open; grantLocked grants every waiter once open. */
    static final class Gate extends WaitQueue {
        private static final long serialVersionUID = 1L;
        private static final VarHandle OPEN;

        static {
            try {
                OPEN = MethodHandles.lookup().findVarHandle(Gate.class, "open", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private boolean open;

        Gate(boolean handOff) {
            super(handOff, true);
        }

        void open() {
            // Volatile store, then the volatile read of the queue head in wakeWaiters (Dekker).
            OPEN.setVolatile(this, true);
            wakeWaiters();
        }

        void pass() {
            try {
                acquire(this, 0, Waits.UNINTERRUPTIBLE, 0L);
            } catch (InterruptedException impossible) {
                throw new AssertionError(impossible);
            }
        }

        @Override
        protected boolean tryAcquire(int arg, boolean woken) {
            return (boolean) OPEN.getVolatile(this); // volatile: the waiter's side of the handshake
        }

        @Override
        protected boolean parkLocked(int arg, boolean woken) {
            return true;
        }

        @Override
        protected WaitNode grantLocked() {
            if (!(boolean) OPEN.getVolatile(this) || isEmpty()) {
                return null;
            }
            WaitNode first = grantFirst();
            while (!isEmpty()) {
                unpark(grantFirst());
            }
            return first;
        }
    }

    @JCStressTest(Mode.Termination)
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter passed the opened gate")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the gate is open and the waiter sleeps")
    @State
    public static class WakeAndRetry {
        private final Gate gate = new Gate(false);

        @Actor
        public void waiter() {
            gate.pass();
        }

        @Signal
        public void opener() {
            gate.open();
        }
    }

    @JCStressTest(Mode.Termination)
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter passed the opened gate")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the gate is open and the waiter sleeps")
    @State
    public static class HandOff {
        private final Gate gate = new Gate(true);

        @Actor
        public void waiter() {
            gate.pass();
        }

        @Signal
        public void opener() {
            gate.open();
        }
    }
}
