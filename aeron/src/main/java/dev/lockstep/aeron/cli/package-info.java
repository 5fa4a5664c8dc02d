/**
 * The {@code bridge} command line: {@link dev.lockstep.aeron.cli.BridgeCommand} runs an outbound
 * ({@code bridge out NAME URI}) or inbound ({@code bridge in NAME URI}) bridge until SIGINT/SIGTERM, and
 * lists the bridges of a mailbox folder from their status files ({@code bridge stat}). It is the main
 * class of the shaded {@code lockstep-aeron.jar} and is also mounted as {@code lockstep bridge} by the
 * {@code dev.lockstep.cli} tool.
 *
 * <table>
 *   <caption>The command classes: what they do, tests, benchmark</caption>
 *   <tr><th>class</th><th>what it does</th><th>unit and process tests</th><th>benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.aeron.cli.BridgeCommand}</td>
 *       <td>picocli command: {@code out}, {@code in} (print {@code READY}, {@code CONNECTED}; exit code 1
 *           if the bridge fails) and {@code stat}</td>
 *       <td>{@code BridgeProcessTest} (bridges as child processes), {@code BridgeReadmeExampleTest};
 *           {@code BridgeStatTest} in {@code cli}</td>
 *       <td>none</td></tr>
 * </table>
 */
package dev.lockstep.aeron.cli;
