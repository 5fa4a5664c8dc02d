/**
 * Named mailboxes: indirect communication between processes that agree on a name, not on a file.
 * {@link dev.lockstep.ipc.mailbox.Mailboxes} is a namespace (one {@link
 * dev.lockstep.ipc.shm.ShmDirectory}, by default {@code /dev/shm/lockstep-<user>}, one file per name);
 * {@link dev.lockstep.ipc.mailbox.MailboxEntry} is one listed name.
 *
 * <h2>Properties</h2>
 * <ul>
 *   <li>No registry that a crash could corrupt: each file is a Lockstep structure with its own
 *       validated header, and a listing reports a file that is not one instead of failing.</li>
 *   <li>Removing a name unlinks the file ({@code shm_unlink} contract): processes that have it open keep
 *       working on it, new opens no longer see it, and the name can be re-created at once.</li>
 *   <li>Names are validated; opening by name is done by each structure's factories with {@code
 *       path(name)}, or for channels by the {@code oneToOne}/{@code manyToOne} shortcuts. The
 *       progress, ordering, blocking and virtual-thread properties are those of the structure opened
 *       (see its package); the namespace itself never blocks.</li>
 * </ul>
 *
 * <table>
 *   <caption>The mailbox classes: purpose, tests</caption>
 *   <tr><th>class</th><th>what it is</th><th>unit tests</th><th>jcstress tests</th>
 *       <th>JMH benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.ipc.mailbox.Mailboxes}</td>
 *       <td>a namespace of named structures over one folder; removal follows the POSIX {@code
 *           shm_unlink} contract</td>
 *       <td>{@code MailboxesTest}, {@code OtherUsersTest} (in {@code shm}); the README example:
 *           {@code ReadmeExampleTest} (in {@code examples})</td>
 *       <td>none</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.mailbox.MailboxEntry}</td>
 *       <td>one listed name: kind, length, creator (and whether in another PID namespace), problem</td>
 *       <td>{@code MailboxesTest}</td><td>none</td><td>none</td></tr>
 * </table>
 */
package dev.lockstep.ipc.mailbox;
