/**
 * Lockstep's JDK Flight Recorder events (category "Lockstep") and {@link dev.lockstep.core.internal.jfr.Jfr},
 * the guarded entry point the primitives call on their slow paths. Not exported (only to ipc): the
 * events are the API, seen by name in a recording, not these classes.
 */
package dev.lockstep.core.internal.jfr;
