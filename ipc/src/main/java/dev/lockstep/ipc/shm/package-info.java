/**
 * The shared-memory foundation of every ipc structure, written once: the folder and its naming and
 * ownership rules ({@link dev.lockstep.ipc.shm.ShmDirectory}), memory-mapped files with a validated,
 * versioned header ({@link dev.lockstep.ipc.shm.SharedFile}, {@link dev.lockstep.ipc.shm.FileLayout},
 * {@link dev.lockstep.ipc.shm.StructureKind}, {@link dev.lockstep.ipc.shm.IncompatibleFileException}),
 * the atomic views of a mapping ({@link dev.lockstep.ipc.shm.MappedAccess}), process liveness across
 * PID namespaces ({@link dev.lockstep.ipc.shm.Participants}, {@link
 * dev.lockstep.ipc.shm.ProcessIdentity}, {@link dev.lockstep.ipc.shm.Heartbeats}), how blocking calls
 * wait ({@link dev.lockstep.ipc.shm.Idle}, {@link dev.lockstep.ipc.shm.WaitMode}) and read-only
 * monitoring ({@link dev.lockstep.ipc.shm.ReadOnlyInspection}).
 *
 * <h2>Which class for what</h2>
 * <ul>
 *   <li>Where files live, who may share them: {@code ShmDirectory} (per-user folder, 0700/0600,
 *       symbolic links and foreign owners refused).</li>
 *   <li>Creating or opening a structure's file: {@code SharedFile} (creation all or nothing, header
 *       checked on every open; a mismatch throws {@code IncompatibleFileException} and leaves the file
 *       untouched).</li>
 *   <li>Reading and writing shared fields: {@code MappedAccess}, with the access mode named at the call
 *       site as in {@code dev.lockstep.core.internal}; misaligned or out-of-bounds offsets throw instead
 *       of tearing or crashing the JVM.</li>
 *   <li>Deciding that a recorded owner is dead: {@code Participants} only (its token is what structures
 *       store as "owner"); never a bare pid.</li>
 *   <li>Choosing the latency / CPU trade-off of blocking calls: {@code Idle}; whether this process
 *       sleeps in the kernel: {@code WaitMode}.</li>
 * </ul>
 *
 * <h2>Properties shared by the package</h2>
 * <ul>
 *   <li><b>Liveness</b>: a process is judged dead by pid and start time in its own PID namespace and
 *       by the kernel's release of its registry lock in another; a stale heartbeat alone never decides
 *       a death, and a stopped process is never judged dead.</li>
 *   <li><b>Memory ordering</b>: every shared field is accessed through {@code MappedAccess} with an
 *       explicit access mode (plain, opaque, acquire/release, volatile); byte order is the
 *       platform's.</li>
 *   <li><b>Blocking and virtual threads</b>: a process cannot unpark another, so blocking calls poll and
 *       idle with an Agrona {@code IdleStrategy} ({@code Idle}), or sleep on a futex word in {@code
 *       WaitMode.FUTEX}; virtual threads always poll (a downcall would pin their carrier), and the idle
 *       strategies park, so they unmount. Interrupts and deadlines are checked after every idle.</li>
 *   <li><b>Allocation</b>: heartbeats are written by one daemon thread, so sends and receives pay
 *       nothing for liveness.</li>
 * </ul>
 *
 * <h2>Classes and their tests</h2>
 * Tests are in {@code ipc/src/test/java/dev/lockstep/ipc/shm} and, for the behaviour the structures
 * build on these classes, in the other ipc test packages; the test helpers {@code ChildJvm}, {@code
 * Faults}, {@code Namespaces} and {@code OtherUser} ({@code ipc.test}) run real child processes,
 * signals, PID namespaces and a second user. No class here has a jcstress test or a benchmark of its
 * own (the jcstress tests of the structures map their regions with {@code SharedFile} and {@code
 * MappedAccess}).
 *
 * <table>
 *   <caption>The shared-memory classes: design, unit tests</caption>
 *   <tr><th>class</th><th>design and source</th><th>unit tests</th><th>jcstress tests</th>
 *       <th>JMH benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.ipc.shm.ShmDirectory}</td>
 *       <td>per-user folder under {@code /dev/shm}; removal follows the POSIX {@code shm_unlink}
 *           contract</td>
 *       <td>{@code SharedFileTest}, {@code OtherUsersTest}</td><td>none</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.shm.SharedFile}</td>
 *       <td>mapped file built under a hidden temporary name and linked under its name only when
 *           complete (all or nothing)</td>
 *       <td>{@code SharedFileTest}, {@code UnmapSpaceTest}, {@code OtherUsersTest}, {@code
 *           ForgedHeaderTest} (in {@code sync})</td><td>none</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.shm.FileLayout}</td>
 *       <td>the header every file starts with: magic, layout version, kind, sizes</td>
 *       <td>{@code SharedFileTest}, {@code ForgedHeaderTest}</td><td>none</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.shm.StructureKind}</td>
 *       <td>the kind code in the header, checked on every open</td>
 *       <td>{@code SharedFileTest}, {@code MailboxesTest}</td><td>none</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.shm.IncompatibleFileException}</td>
 *       <td>foreign, corrupt, other-version, other-kind or truncated file; the file is left as it
 *           was</td>
 *       <td>{@code SharedFileTest}, {@code ForgedHeaderTest}, and each structure's test</td>
 *       <td>none</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.shm.MappedAccess}</td>
 *       <td>byte-offset {@code VarHandle} views of a {@code ByteBuffer}, checked for alignment and
 *           bounds</td>
 *       <td>through every structure's tests</td>
 *       <td>through every ipc jcstress test</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.shm.Participants}</td>
 *       <td>per-folder registry of processes: tokens, PID namespaces, registry locks held by the
 *           kernel</td>
 *       <td>{@code ParticipantsTest}, {@code NamespaceLivenessTest} (in {@code sync})</td>
 *       <td>none</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.shm.ProcessIdentity}</td>
 *       <td>pid plus process start time ({@code /proc/<pid>/stat} field 22), so a reused pid is not
 *           mistaken for the owner</td>
 *       <td>{@code ParticipantsTest}, {@code SharedFileTest}</td><td>none</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.shm.Heartbeats}</td>
 *       <td>one daemon thread writing every open endpoint's heartbeat</td>
 *       <td>{@code ParticipantsTest}, {@code NamespaceLivenessTest}</td><td>none</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.shm.Idle}</td>
 *       <td>the Agrona idle strategies (busy spin, backoff, sleeping) and their latency / CPU
 *           table</td>
 *       <td>{@code ChannelIdleCpuTest}, {@code IdleWaiterCpuTest}</td><td>none</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.shm.WaitMode}</td>
 *       <td>{@code FUTEX} (kernel sleep on a word of the file, JDK 22+ on Linux) or {@code POLL}, chosen
 *           once per process</td>
 *       <td>{@code SyncFutexTest}, {@code IpcEventFutexTest}, {@code WakeLatencyTest}, {@code
 *           IdleWaiterCpuTest}</td>
 *       <td>the futex word: {@code WaitWordNoLostWakeupTest}, {@code WaitWordStolenWakeTest}</td>
 *       <td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.shm.ReadOnlyInspection}</td>
 *       <td>a per-thread scope in which files are mapped read-only and not registered</td>
 *       <td>{@code StatReadOnlyTest} (in {@code cli})</td><td>none</td><td>none</td></tr>
 * </table>
 */
package dev.lockstep.ipc.shm;
