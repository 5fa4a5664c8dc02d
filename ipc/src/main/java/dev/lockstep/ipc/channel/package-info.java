/**
 * Shared-memory message channels between threads and processes: {@link dev.lockstep.ipc.channel.OneToOneChannel}
 * and {@link dev.lockstep.ipc.channel.ManyToOneChannel}, rings of variable-length records in a
 * memory-mapped file, written through {@link dev.lockstep.ipc.channel.Sender}s and read by one
 * {@link dev.lockstep.ipc.channel.Receiver}. A producer process killed at any instruction never makes
 * the consumer deliver a half-written message nor block for good: the consumer turns the dead claim
 * into padding; a producer stalled past the claim timeout has its claim revoked and fenced, so its
 * late stores never reach another message ({@link dev.lockstep.ipc.channel.ShmChannel}). Each protocol
 * has its own sender and receiver classes ({@code OneToOne*}, {@code ManyToOne*}). Layouts: {@link dev.lockstep.ipc.channel.ChannelDescriptor},
 * {@link dev.lockstep.ipc.channel.RecordDescriptor}.
 */
package dev.lockstep.ipc.channel;
