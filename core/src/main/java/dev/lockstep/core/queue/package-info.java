/**
 * Lock-free queues: bounded array queues for every producer/consumer shape (SPSC, MPSC, SPMC, MPMC),
 * an unbounded MPSC queue, a bounded priority queue, and {@link java.util.concurrent.BlockingQueue}
 * adapters. All implement {@link dev.lockstep.core.queue.ConcurrentQueue}.
 */
package dev.lockstep.core.queue;
