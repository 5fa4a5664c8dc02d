/**
 * A stand-alone benchmark of the bridges: {@link dev.lockstep.aeron.bench.BridgeBenchmark} measures
 * throughput and round-trip latency through an outbound and an inbound bridge on loopback against an
 * application using Aeron directly over the same kind of channel, each side with its own embedded media
 * driver. It is a plain {@code main} (not JMH) run from the shaded jar; on a small or shared machine its
 * figures say little.
 *
 * <table>
 *   <caption>The benchmark classes: what they measure, tests, benchmark</caption>
 *   <tr><th>class</th><th>what it does</th><th>unit and process tests</th><th>benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.aeron.bench.BridgeBenchmark}</td>
 *       <td>messages/s (bridged, direct, ratio) and round-trip p50/p90/p99 in microseconds</td>
 *       <td>none (it is measurement code)</td>
 *       <td>itself: {@code java -cp aeron/target/lockstep-aeron.jar dev.lockstep.aeron.bench.BridgeBenchmark}</td></tr>
 * </table>
 */
package dev.lockstep.aeron.bench;
