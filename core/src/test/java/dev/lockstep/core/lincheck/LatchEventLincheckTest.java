package dev.lockstep.core.lincheck;

import dev.lockstep.core.sync.Event;
import dev.lockstep.core.sync.Latch;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

/**
 * Linearizability of {@link Latch} and {@link Event} (manual- and auto-reset), in Lincheck's stress and
 * model-checking modes (three threads). The waiting operations appear with a zero timeout
 * ({@code await(0, NANOSECONDS)}), which must answer as their state's snapshot.
 *
 * <p><b>Sequential specifications</b>:
 * <ul>
 *   <li>{@link LatchSpec}: a counter starting at {@value #COUNT}; {@code countDown} decrements it down
 *       to 0 and not below; {@code getCount} reads it; {@code tryAwait} returns whether it is 0.</li>
 *   <li>{@link ManualEventSpec}: a boolean; {@code set}/{@code reset} assign it; {@code isSet} and
 *       {@code tryAwait} read it.</li>
 *   <li>{@link AutoEventSpec}: a boolean; {@code tryAwait} returns it and clears it (consumes the
 *       signal).</li>
 * </ul>
 */
class LatchEventLincheckTest {
    static final int COUNT = 2;

    public static class LatchOps {
        private final Latch latch = new Latch(COUNT);

        @Operation
        public void countDown() {
            latch.countDown();
        }

        @Operation
        public long getCount() {
            return latch.getCount();
        }

        @Operation
        public boolean tryAwait() throws InterruptedException {
            return latch.await(0, TimeUnit.NANOSECONDS);
        }
    }

    public static class LatchSpec {
        private long count = COUNT;

        public void countDown() {
            if (count > 0) {
                count--;
            }
        }

        public long getCount() {
            return count;
        }

        public boolean tryAwait() {
            return count == 0;
        }
    }

    public static class ManualEventOps {
        final Event event;

        ManualEventOps(Event.Mode mode) {
            this.event = new Event(mode);
        }

        public ManualEventOps() {
            this(Event.Mode.MANUAL_RESET);
        }

        @Operation
        public void set() {
            event.set();
        }

        @Operation
        public void reset() {
            event.reset();
        }

        @Operation
        public boolean isSet() {
            return event.isSet();
        }

        @Operation
        public boolean tryAwait() throws InterruptedException {
            return event.await(0, TimeUnit.NANOSECONDS);
        }
    }

    public static class AutoEventOps extends ManualEventOps {
        public AutoEventOps() {
            super(Event.Mode.AUTO_RESET);
        }
    }

    public static class ManualEventSpec {
        boolean set;

        public void set() {
            set = true;
        }

        public void reset() {
            set = false;
        }

        public boolean isSet() {
            return set;
        }

        public boolean tryAwait() {
            return set;
        }
    }

    public static class AutoEventSpec extends ManualEventSpec {
        @Override
        public boolean tryAwait() {
            boolean was = set;
            set = false;
            return was;
        }
    }

    @Test
    void latchStress() {
        LincheckSupport.stress(LatchOps.class, LatchSpec.class, 3);
    }

    @Test
    void latchModelChecking() {
        LincheckSupport.modelCheck(LatchOps.class, LatchSpec.class, 3);
    }

    @Test
    void manualEventStress() {
        LincheckSupport.stress(ManualEventOps.class, ManualEventSpec.class, 3);
    }

    @Test
    void manualEventModelChecking() {
        LincheckSupport.modelCheck(ManualEventOps.class, ManualEventSpec.class, 3);
    }

    @Test
    void autoEventStress() {
        LincheckSupport.stress(AutoEventOps.class, AutoEventSpec.class, 3);
    }

    @Test
    void autoEventModelChecking() {
        LincheckSupport.modelCheck(AutoEventOps.class, AutoEventSpec.class, 3);
    }
}
