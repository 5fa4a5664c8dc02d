/**
 * The {@code lockstep} command-line tool, on picocli: {@link dev.lockstep.cli.LockstepCli} and its
 * subcommands {@code stat} (read-only inspection of Lockstep's shared-memory structures, like AeronStat:
 * headers, positions, fill, peers and heartbeats, owners, recovery counters; {@code --watch} refreshes
 * it with rates per second, {@code --json} writes it for scripts), the demonstrations {@code
 * ping}/{@code pong} (round trip) and {@code throughput}, and {@code generate-completion} (bash/zsh).
 * Every command has {@code --help} and {@code --version}; the exit status is 0 (ok), 1 (failure: an
 * unreadable file, a failed demo) or 2 (usage error). The module exports nothing: a tool, not a library.
 *
 * <h2>Properties</h2>
 * <ul>
 *   <li><b>Read-only inspection</b>: {@code stat} opens every structure in a {@link
 *       dev.lockstep.ipc.shm.ReadOnlyInspection} scope (mapped read-only, not registered): it changes no
 *       file and creates no registry. Values are read one by one while the structures run, so each is
 *       recent but a reading is not a consistent cut.</li>
 *   <li><b>Waiting</b>: {@code stat --watch} sleeps between refreshes and stops after {@code --count}
 *       refreshes or on Ctrl-C / SIGTERM, after the refresh being printed is complete. The demos'
 *       waiting sides busy-spin on {@code tryReceive} (they show the channel's latency floor, at one
 *       core per side).</li>
 * </ul>
 *
 * <h2>Classes and their tests</h2>
 * Tests are in {@code cli/src/test/java/dev/lockstep/cli}. The command classes are package-private
 * ({@code StatCommand}, {@code StatScan}, {@code StatWatch}, {@code StructureStat}, {@code Snapshot},
 * {@code ChannelSnapshot}, {@code Demos}) and are covered by the same tests. No jcstress test: the
 * structures the tool reads have their own. The channels the demos drive are benchmarked by {@code
 * IpcRoundTripBench} and {@code IpcThroughputBench} ({@code jmh/.../jmh/ipc}).
 *
 * <table>
 *   <caption>The CLI: what it is built on, unit tests, benchmarks</caption>
 *   <tr><th>class</th><th>design and source</th><th>unit tests</th><th>jcstress tests</th>
 *       <th>JMH benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.cli.LockstepCli}</td>
 *       <td>picocli subcommands (usage errors: status 2); {@code stat} after AeronStat; JSON written
 *           with Jackson</td>
 *       <td>{@code LockstepCliTest} (commands and output), {@code CliUsageTest} (help, version, usage
 *           errors, completion), {@code StatJsonTest} ({@code --json}), {@code StatWatchTest} ({@code
 *           --watch}: exact rates with a test clock, clean stop on SIGTERM and SIGINT in a child
 *           process), {@code StatReadOnlyTest} (no file changed), {@code ReadmeCliTest} (the README's
 *           command lines stay true), {@code ModulePathTest} (runs as module {@code
 *           dev.lockstep.cli})</td>
 *       <td>none</td>
 *       <td>none of its own</td></tr>
 * </table>
 */
package dev.lockstep.cli;
