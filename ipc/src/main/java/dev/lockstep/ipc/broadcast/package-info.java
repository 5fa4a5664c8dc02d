/**
 * One-to-many shared-memory messaging: {@link dev.lockstep.ipc.broadcast.BroadcastChannel}, one
 * producer ({@link dev.lockstep.ipc.broadcast.BroadcastSender}) that never waits, and any number of
 * consumers ({@link dev.lockstep.ipc.broadcast.BroadcastReceiver}) in any processes, each at its own
 * position, that detect being lapped instead of reading torn data. A package of its own, not part of
 * {@code dev.lockstep.ipc.channel}: that family is a reliable, flow-controlled ring with one consumer
 * that frees space (consumers write the ring); this one is a lossy sequence-locked ring that
 * consumers only read, with another record format, another crash model and no back-pressure. The
 * handler interface is shared ({@link dev.lockstep.ipc.channel.MessageHandler}). Layout:
 * {@link dev.lockstep.ipc.broadcast.BroadcastDescriptor}.
 */
package dev.lockstep.ipc.broadcast;
