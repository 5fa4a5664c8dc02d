package dev.lockstep.core.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A lock-order inversion reported by Lockdep; the event thread is the one that closed the cycle. */
@Name("dev.lockstep.PotentialDeadlock")
@Label("Potential Deadlock")
@Category("Lockstep")
@Description("Lockdep found a lock-order inversion: this thread acquires 'acquiring' while holding 'held',"
        + " and the reverse order was established earlier ('earlierOrder' names the thread that did)")
@StackTrace(true)
final class PotentialDeadlockEvent extends Event {
    @Label("Held Lock")
    String held;

    @Label("Acquiring Lock")
    String acquiring;

    @Label("Earlier Order")
    @Description("The first edge of the reverse order: the two locks and the thread that established it")
    String earlierOrder;

    @Label("Message")
    String message;

    static void emit(String held, String acquiring, String earlierOrder, String message) {
        PotentialDeadlockEvent e = new PotentialDeadlockEvent();
        if (e.isEnabled()) {
            e.held = held;
            e.acquiring = acquiring;
            e.earlierOrder = earlierOrder;
            e.message = message;
            e.commit();
        }
    }
}
