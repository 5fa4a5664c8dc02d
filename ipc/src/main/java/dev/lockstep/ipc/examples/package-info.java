/**
 * Runnable examples shown in the README (two processes talking through a named mailbox); a test runs
 * them as written. Not exported: not part of the API.
 */
package dev.lockstep.ipc.examples;
