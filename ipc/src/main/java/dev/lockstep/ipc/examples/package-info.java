/**
 * Runnable examples shown in the README: two kinds of process talking through the named mailbox
 * "orders", a {@link dev.lockstep.ipc.channel.ManyToOneChannel} opened by name through {@link
 * dev.lockstep.ipc.mailbox.Mailboxes}. Start one {@link dev.lockstep.ipc.examples.OrdersConsumer} and
 * any number of {@link dev.lockstep.ipc.examples.OrdersProducer}s, each in its own JVM. The broadcast
 * example: one {@link dev.lockstep.ipc.examples.PricesPublisher} and any number of {@link
 * dev.lockstep.ipc.examples.PricesSubscriber}s on the {@code BroadcastChannel} "prices". Not exported:
 * not part of the API.
 *
 * <p>The examples use the channel's blocking calls ({@code send} blocks while the ring is full, {@code
 * awaitReceive} while it is empty), so their progress, ordering and waiting are those of {@code
 * dev.lockstep.ipc.channel}: each producer's orders arrive whole, once, in send order.
 *
 * <table>
 *   <caption>The examples and the test that runs them</caption>
 *   <tr><th>class</th><th>what it shows</th><th>test</th><th>jcstress tests</th>
 *       <th>JMH benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.ipc.examples.OrdersProducer}</td>
 *       <td>one of many producers: opens the mailbox, sends {@code args[0]} orders (default 1000)</td>
 *       <td>{@code ReadmeExampleTest}: the consumer and two producers as three JVMs, and every line of
 *           code the README shows is a line of these sources</td>
 *       <td>none (see {@code ManyToOneChannel})</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.examples.OrdersConsumer}</td>
 *       <td>the consumer: receives orders from any number of producers until it has {@code args[0]}</td>
 *       <td>{@code ReadmeExampleTest}</td>
 *       <td>none</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.examples.PricesPublisher}</td>
 *       <td>the broadcast publisher: sends {@code args[0]} prices, never waiting for subscribers</td>
 *       <td>{@code BroadcastReadmeExampleTest}: the publisher and two subscribers as JVMs, and the
 *           README's lines are lines of these sources</td>
 *       <td>none (see {@code BroadcastChannel})</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.examples.PricesSubscriber}</td>
 *       <td>one of many subscribers: reads at its own position, reports laps and overwritten prices</td>
 *       <td>{@code BroadcastReadmeExampleTest}</td>
 *       <td>none</td><td>none</td></tr>
 * </table>
 */
package dev.lockstep.ipc.examples;
