package dev.lockstep.core.internal.jfr;

import dev.lockstep.core.sync.Mutex;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The one entry point from Lockstep's code to its JDK Flight Recorder events
 * ({@code dev.lockstep.ContendedAcquire}, {@code dev.lockstep.PotentialDeadlock},
 * {@code dev.lockstep.ChannelBackPressure}, {@code dev.lockstep.IpcRecovery}; category "Lockstep").
 *
 * <p>Module {@code jdk.jfr} is optional ({@code requires static}): on a runtime without it (a jlinked
 * image, or a modular application that neither requires it nor is started with
 * {@code -XX:StartFlightRecording} / {@code --add-modules jdk.jfr}) {@link #AVAILABLE} is false and every
 * method here returns at once without touching an event class, so none is ever loaded.
 *
 * <p>Implementation notes. Hooks are called only on slow paths (after a thread decided to park or
 * wait, on a lockdep report, on a recovery), never on an uncontended path. A begin method returns
 * null unless the event is enabled in a running recording, so nothing is allocated otherwise; the
 * matching end method ignores null. The event classes and {@code Recorder} are the only classes
 * that name {@code jdk.jfr} types, and this class reaches them only through static calls behind
 * {@link #AVAILABLE} (resolved lazily, so a missing module costs nothing but the check). Nor does a
 * present module cost anything while no recording has been created: each hook first asks {@code
 * Recorder} whether the Flight Recorder is set up ({@code FlightRecorder.isInitialized()}, one
 * static flag), and touches an event class only then. Without that gate the first event-class load
 * (by the first thread to wait in any Lockstep primitive) set the recorder's machinery up, 97
 * {@code jdk.jfr} classes: in {@code JfrIdleChild} (core's tests) a first contended {@code Mutex}
 * wait behind a 50 ms hold took 216-255 ms on JDK 17 and 25, 55-59 ms with the gate. Found
 * 2026-12-02: a per-thread wait probe's maxima (190-260 ms) all came from the first second of a
 * run.
 *
 * <p>Once a recording exists, the event classes are loaded and initialized by one thread, the first
 * hook caller to claim the job ({@link #loadEvents()}); a hook called meanwhile by another thread skips
 * its event instead of waiting. Waiting would mean blocking on the class loader's per-class lock or
 * on the JVM's class-initialization lock, with class-loading frames on the stack, where a virtual
 * thread cannot unmount: it pins its carrier. Found 2026-12-03: {@code VirtualThreadTest} (now part of
 * {@code VirtualThreadsTest}; 10,000
 * virtual threads on one Mutex, a recording started after a warm-up without one) saw 1-2
 * {@code jdk.VirtualThreadPinned} events in 5 of 6 runs on JDK 25 (of main and of a branch that does not touch this class), all in {@code beginContended}
 * loading {@code ContendedAcquireEvent}; none in 6 runs with the claim.
 */
public final class Jfr {
    /** Whether module jdk.jfr is present and its event classes load. */
    public static final boolean AVAILABLE = available();

    /** {@link #events}: no thread has claimed the loading of the event classes yet. */
    private static final int UNLOADED = 0;
    /** {@link #events}: one thread is loading and initializing them. */
    private static final int LOADING = 1;
    /** {@link #events}: they are initialized; hooks may use them. */
    private static final int LOADED = 2;
    /** {@link #events}: they failed to load; hooks record nothing. */
    private static final int FAILED = 3;
    private static final VarHandle EVENTS;

    static {
        try {
            EVENTS = MethodHandles.lookup().findStaticVarHandle(Jfr.class, "events", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The event classes' state: {@link #UNLOADED}, {@link #LOADING}, {@link #LOADED} or {@link #FAILED}. */
    private static int events;

    private Jfr() {
    }

    /**
     * Whether an event class may be touched: the module is there and the Flight Recorder has been set
     * up ({@code Recorder}). Without a recording nothing is recorded anyway, and loading an event class
     * first would set the recorder's machinery up, 170-200 ms on the first waiting thread (the
     * implementation notes above). Once a recording has been created this stays true; a begin method
     * then checks its event's own enablement.
     */
    private static boolean on() {
        if (!AVAILABLE || !Recorder.initialized()) {
            return false;
        }
        // Acquire: pairs with loadEvents' release store, so a thread that reads LOADED finds the
        // classes' initialization complete (it happened-before that store) and does not wait in the
        // JVM's class-initialization lock, where a virtual thread would pin its carrier.
        int s = (int) EVENTS.getAcquire();
        return s == LOADED || s == UNLOADED && loadEvents();
    }

    /**
     * Loads and initializes the event classes if this thread is the first to claim the job; returns
     * whether they are ready for it. A thread that loses the claim returns false at once (its one
     * event is not recorded) rather than wait for the loading thread (see the class notes).
     */
    private static boolean loadEvents() {
        // Volatile CAS: exactly one thread claims the loading (atomicity is what is needed here).
        if (!EVENTS.compareAndSet(UNLOADED, LOADING)) {
            return false;
        }
        try {
            ClassLoader loader = Jfr.class.getClassLoader();
            for (Class<?> c : new Class<?>[]{ContendedAcquireEvent.class, PotentialDeadlockEvent.class,
                    ChannelBackPressureEvent.class, IpcRecoveryEvent.class}) {
                Class.forName(c.getName(), true, loader); // initialize, not only load
            }
        } catch (LinkageError | ClassNotFoundException e) {
            EVENTS.setRelease(FAILED); // release: as below; hooks then record nothing
            return false;
        }
        // Release: publishes the completed initialization to the acquire read in on().
        EVENTS.setRelease(LOADED);
        return true;
    }

    private static boolean available() {
        try {
            Module jfr = ModuleLayer.boot().findModule("jdk.jfr").orElse(null);
            // A named Lockstep reads jdk.jfr (requires static) only if the module was resolved.
            return jfr != null && Jfr.class.getModule().canRead(jfr);
        } catch (LinkageError | SecurityException e) {
            return false;
        }
    }

    /**
     * Before the first park of a contended acquisition in the waiting layer: as
     * {@link #beginContended(Object, String, Thread)} with the name and holder of a {@link Mutex}
     * (other primitives have neither).
     *
     * @param primitive the synchronizer whose acquisition is about to wait
     * @return the event to pass to {@link #endContended}, or {@code null} if no recording enables it
     */
    public static Object beginContended(Object primitive) {
        if (!on()) {
            return null;
        }
        if (primitive instanceof Mutex) {
            Mutex m = (Mutex) primitive;
            return ContendedAcquireEvent.begin(primitive, m.name(), m.getOwner());
        }
        return ContendedAcquireEvent.begin(primitive, null, null);
    }

    /**
     * Before the first park of a contended acquisition: an event object (opaque) if the event is
     * enabled, else null.
     *
     * @param primitive the lock or synchronizer whose acquisition is about to wait
     * @param name      its name, or {@code null} if it has none
     * @param holder    the thread holding it, or {@code null} if unknown or not owned
     * @return the event to pass to {@link #endContended}, or {@code null} if no recording enables it
     */
    public static Object beginContended(Object primitive, String name, Thread holder) {
        return on() ? ContendedAcquireEvent.begin(primitive, name, holder) : null;
    }

    /**
     * Whether a recording enables {@code dev.lockstep.ContendedAcquire}: for a caller whose event
     * arguments cost something to compute (an ipc lock's holder pid), to compute them only then.
     *
     * @return {@code true} if a contended acquisition would be recorded now
     */
    public static boolean contendedEnabled() {
        return on() && ContendedAcquireEvent.enabled();
    }

    /**
     * As {@link #beginContended(Object, String, Thread)} with a holder that is not a thread of this JVM.
     *
     * @param primitive the inter-process lock or semaphore whose acquisition is about to wait
     * @param name      its name (its file), or {@code null}
     * @param holder    a description of the holder (e.g. {@code "pid 1234"}), or {@code null} if unknown
     * @return the event to pass to {@link #endContended}, or {@code null} if no recording enables it
     */
    public static Object beginContended(Object primitive, String name, String holder) {
        return on() ? ContendedAcquireEvent.begin(primitive, name, holder, -1) : null;
    }

    /**
     * After the wait of {@link #beginContended}: commits if the wait reached the threshold.
     *
     * @param event    what {@code beginContended} returned (nothing happens for {@code null})
     * @param acquired whether the wait ended with the acquisition ({@code false}: timed out)
     */
    public static void endContended(Object event, boolean acquired) {
        if (event != null) {
            ContendedAcquireEvent.end(event, acquired);
        }
    }

    /**
     * A lockdep report of a lock-order inversion.
     *
     * @param held         the lock the thread holds
     * @param acquiring    the lock it is acquiring, in the order opposite to an earlier one
     * @param earlierOrder the first edge of the earlier, reverse order (and the thread that set it)
     * @param message      the report as lockdep prints it
     */
    public static void potentialDeadlock(String held, String acquiring, String earlierOrder, String message) {
        if (on()) {
            PotentialDeadlockEvent.emit(held, acquiring, earlierOrder, message);
        }
    }

    /**
     * Before a send waits for space: an event object if enabled, else null.
     *
     * @param channel the channel's name (its file)
     * @param sender  the sender that waits
     * @param length  the length of the message it sends
     * @return the event to pass to {@link #endBackPressure}, or {@code null} if no recording enables it
     */
    public static Object beginBackPressure(String channel, Object sender, int length) {
        return on() ? ChannelBackPressureEvent.begin(channel, sender, length) : null;
    }

    /**
     * After the wait of {@link #beginBackPressure}: commits if the wait reached the threshold.
     *
     * @param event what {@code beginBackPressure} returned (nothing happens for {@code null})
     * @param sent  whether the message was sent ({@code false}: timed out or interrupted)
     */
    public static void endBackPressure(Object event, boolean sent) {
        if (event != null) {
            ChannelBackPressureEvent.end(event, sent);
        }
    }

    /**
     * A recovery from a dead participant of an IPC structure.
     *
     * @param structure the structure that recovered
     * @param name      its name (its file)
     * @param kind      what was recovered (e.g. a dead owner, reclaimed permits, a dead producer's claim)
     * @param deadPid   the dead process's pid, or -1 where unknown
     */
    public static void ipcRecovery(Object structure, String name, String kind, long deadPid) {
        if (on()) {
            IpcRecoveryEvent.emit(structure, name, kind, deadPid);
        }
    }
}
