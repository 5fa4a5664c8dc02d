/**
 * Helpers shared by every family, written once: padded atomic cells, the spin-then-park waiting
 * policy of the spin locks, the waiting layer of the blocking primitives ({@link
 * dev.lockstep.core.internal.WaitQueue}, {@link dev.lockstep.core.internal.WaitNode}), deadline and
 * interrupt checks, and thread-slot assignment for slot-based algorithms.
 * Not exported: not part of Lockstep's API.
 *
 * <h2>Access-mode naming</h2>
 * Every atomic accessor in Lockstep is named after the {@link java.lang.invoke.VarHandle} access mode
 * it uses, so the ordering is visible at the call site:
 * <ul>
 *   <li>{@code plain} — no ordering, no atomicity guarantee beyond the Java memory model's for the
 *       type; only for data that one thread owns at that moment;</li>
 *   <li>{@code opaque} — atomic and coherent (never goes back in time for that one variable), but
 *       orders nothing else; for progress checks and statistics;</li>
 *   <li>{@code acquire} / {@code release} — the load that reads a value written by a release store
 *       sees everything written before that store ("data visible before flag");</li>
 *   <li>{@code volatile} — sequentially consistent; needed only where a store must be ordered before a
 *       later load of another variable (Peterson, Bakery, Dekker-style handshakes).</li>
 * </ul>
 */
package dev.lockstep.core.internal;
