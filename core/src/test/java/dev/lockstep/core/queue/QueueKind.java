package dev.lockstep.core.queue;

import java.util.function.IntFunction;

/** The queues of issue 4 (array and unbounded), with how many producers/consumers each allows. */
enum QueueKind {
    SPSC(SpscArrayQueue::new, false, false),
    MPSC(MpscArrayQueue::new, true, false),
    SPMC(SpmcArrayQueue::new, false, true),
    MPMC(MpmcArrayQueue::new, true, true);

    private final IntFunction<ConcurrentQueue<Long>> factory;
    final boolean multiProducer;
    final boolean multiConsumer;

    QueueKind(IntFunction<ConcurrentQueue<Long>> factory, boolean multiProducer, boolean multiConsumer) {
        this.factory = factory;
        this.multiProducer = multiProducer;
        this.multiConsumer = multiConsumer;
    }

    ConcurrentQueue<Long> create(int capacity) {
        return factory.apply(capacity);
    }

    boolean bounded() {
        return true;
    }
}
