/**
 * Textbook counter-examples: the classic broken "solutions" to the critical-section problem, kept
 * so that the jcstress suite shows, on this JVM and this machine, why the real algorithms of
 * {@code dev.lockstep.core.lock} exist.
 *
 * <ul>
 *   <li>{@link dev.lockstep.jcstress.textbook.RacyCounterTest}: {@code counter++} from two threads
 *       loses updates (read-modify-write is not atomic).</li>
 *   <li>{@link dev.lockstep.jcstress.textbook.NaiveLockVariable}: "wait while the flag is up, then
 *       raise it" is not mutually exclusive: both threads can see the flag down before either raises
 *       it.</li>
 *   <li>{@link dev.lockstep.jcstress.textbook.StrictAlternation}: taking turns is mutually exclusive
 *       but violates progress: a thread cannot enter twice in a row while the other stays out.</li>
 * </ul>
 *
 * The racy outcomes are {@code ACCEPTABLE_INTERESTING} (the suite stays green while reporting how
 * often they were seen); outcomes that no interleaving can produce are {@code FORBIDDEN}.
 */
package dev.lockstep.jcstress.textbook;
