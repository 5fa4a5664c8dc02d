package dev.lockstep.jmh.queue;

import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Builds the queue under test for a benchmark: its kind (SPSC, ...) and its implementation name. */
final class Queues {
    /** The one element every benchmark passes around: pre-allocated, so steady state allocates nothing. */
    static final Integer ELEMENT = 42;

    /** Capacity of the bounded queues (and chunk size of the unbounded ones). */
    static final int CAPACITY = 8192;

    private Queues() {
    }

    /**
     * @param kind "Spsc", "Mpsc", "Spmc", "Mpmc" or "MpscUnbounded"
     * @param impl "JCTools" (the anchor: JCTools' queue of the same kind), "Lockstep",
     *             "ArrayBlockingQueue" or "ConcurrentLinkedQueue"
     */
    static Queue<Integer> create(String kind, String impl) {
        switch (impl) {
            case "ArrayBlockingQueue":
                return new ArrayBlockingQueue<>(CAPACITY);
            case "ConcurrentLinkedQueue":
                return new ConcurrentLinkedQueue<>();
            case "JCTools":
                switch (kind) {
                    case "Spsc": return new org.jctools.queues.SpscArrayQueue<>(CAPACITY);
                    case "Mpsc": return new org.jctools.queues.MpscArrayQueue<>(CAPACITY);
                    case "Spmc": return new org.jctools.queues.SpmcArrayQueue<>(CAPACITY);
                    case "Mpmc": return new org.jctools.queues.MpmcArrayQueue<>(CAPACITY);
                    case "MpscUnbounded": return new org.jctools.queues.MpscUnboundedArrayQueue<>(CAPACITY);
                    default: break;
                }
                break;
            case "Lockstep":
                switch (kind) {
                    case "Spsc": return new dev.lockstep.core.queue.SpscArrayQueue<>(CAPACITY);
                    case "Mpsc": return new dev.lockstep.core.queue.MpscArrayQueue<>(CAPACITY);
                    case "Spmc": return new dev.lockstep.core.queue.SpmcArrayQueue<>(CAPACITY);
                    case "Mpmc": return new dev.lockstep.core.queue.MpmcArrayQueue<>(CAPACITY);
                    case "MpscUnbounded": return newLockstepUnbounded();
                    default: break;
                }
                break;
            default:
                break;
        }
        throw new IllegalArgumentException("unknown queue " + impl + " of kind " + kind);
    }

    private static Queue<Integer> newLockstepUnbounded() {
        return new dev.lockstep.core.queue.MpscUnboundedQueue<>(CAPACITY);
    }
}
