package dev.lockstep.core.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/** A contended acquisition that waited (parked) at least the threshold; its duration is the wait. */
@Name("dev.lockstep.ContendedAcquire")
@Label("Contended Acquire")
@Category("Lockstep")
@Description("A Lockstep lock or synchronizer acquisition that had to wait: the primitive, its name, the holder"
        + " when it began waiting (where known) and whether it acquired (false: timed out)")
@Threshold("10 ms")
@StackTrace(true)
final class ContendedAcquireEvent extends Event {
    /** Used only for {@link #isEnabled()}: no event object is created while the event is off. */
    private static final ContendedAcquireEvent PROBE = new ContendedAcquireEvent();

    @Label("Primitive Class")
    Class<?> primitiveClass;

    @Label("Name")
    @Description("The primitive's name, where it has one")
    String name;

    @Label("Holder")
    @Description("Who held it when the wait began, where known: a thread's name, or \"pid N\" for an ipc lock")
    String holder;

    @Label("Holder Thread Id")
    @Description("Thread.getId() of the holder, or -1 where unknown")
    long holderThreadId;

    @Label("Acquired")
    boolean acquired;

    static boolean enabled() {
        return PROBE.isEnabled();
    }

    static Object begin(Object primitive, String name, Thread holder) {
        if (!PROBE.isEnabled()) {
            return null; // before reading the holder: nothing is computed while the event is off
        }
        return begin(primitive, name, holder == null ? null : holder.getName(), holder == null ? -1 : holder.getId());
    }

    static Object begin(Object primitive, String name, String holder, long holderThreadId) {
        if (!PROBE.isEnabled()) {
            return null;
        }
        ContendedAcquireEvent e = new ContendedAcquireEvent();
        e.primitiveClass = primitive == null ? null : primitive.getClass();
        e.name = name;
        e.holder = holder;
        e.holderThreadId = holderThreadId;
        e.begin();
        return e;
    }

    static void end(Object event, boolean acquired) {
        ContendedAcquireEvent e = (ContendedAcquireEvent) event;
        e.end();
        if (e.shouldCommit()) {
            e.acquired = acquired;
            e.commit();
        }
    }
}
