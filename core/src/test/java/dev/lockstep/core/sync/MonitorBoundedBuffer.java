package dev.lockstep.core.sync;

import java.util.concurrent.TimeUnit;

/**
 * Example: the bounded buffer on a {@link Monitor}, with one guard per condition and no explicit
 * signalling. {@code put} waits for "not full", {@code take} for "not empty"; leaving the monitor
 * wakes one thread whose guard has become true.
 */
final class MonitorBoundedBuffer<E> {
    private final Monitor monitor = new Monitor();
    private final Object[] items;
    // All guarded by monitor: plain fields.
    private int putIndex;
    private int takeIndex;
    private int count;
    private final Monitor.Guard notFull;
    private final Monitor.Guard notEmpty;

    MonitorBoundedBuffer(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
        }
        items = new Object[capacity];
        notFull = monitor.newGuard(() -> count < items.length);
        notEmpty = monitor.newGuard(() -> count > 0);
    }

    void put(E e) throws InterruptedException {
        monitor.enterWhen(notFull);
        try {
            items[putIndex] = e;
            putIndex = (putIndex + 1) % items.length;
            count++;
        } finally {
            monitor.leave();
        }
    }

    boolean offer(E e, long time, TimeUnit unit) throws InterruptedException {
        if (!monitor.enterWhen(notFull, time, unit)) {
            return false;
        }
        try {
            items[putIndex] = e;
            putIndex = (putIndex + 1) % items.length;
            count++;
            return true;
        } finally {
            monitor.leave();
        }
    }

    @SuppressWarnings("unchecked")
    E take() throws InterruptedException {
        monitor.enterWhen(notEmpty);
        try {
            E e = (E) items[takeIndex];
            items[takeIndex] = null;
            takeIndex = (takeIndex + 1) % items.length;
            count--;
            return e;
        } finally {
            monitor.leave();
        }
    }

    int size() {
        monitor.enter();
        try {
            return count;
        } finally {
            monitor.leave();
        }
    }
}
