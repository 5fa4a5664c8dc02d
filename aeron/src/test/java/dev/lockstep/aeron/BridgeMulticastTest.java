package dev.lockstep.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.lockstep.aeron.cli.BridgeCommand;
import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.mailbox.Mailboxes;

/**
 * The bridge over a UDP <em>multicast</em> channel. The host's {@code lo} usually has no MULTICAST flag
 * and the test must not change the host's network, so both bridge processes run in a private network
 * namespace ({@code unshare --net}, root): its own {@code lo}, brought up with the MULTICAST flag and a
 * route for {@code 224.0.0.0/4}. The inbound bridge is started by {@code unshare --net sh -c '<setup>;
 * exec java ...'}, the outbound one joins that namespace with {@code nsenter --net=/proc/PID/ns/net}.
 * The mailboxes are files under {@code /dev/shm} (the mount namespace is shared), so the producer (a
 * child JVM) and the consumer (this JVM) stay outside the namespace, on their local channels, as in
 * {@link BridgeProcessTest}. Where {@code unshare}/{@code ip} are not permitted it runs on the host's
 * loopback if a multicast datagram sent there comes back (Linux loops it back through an explicit
 * multicast interface even without the MULTICAST flag; a random port), and skips with both reasons
 * otherwise.
 *
 * <p>Count: {@code -Dlockstep.aeron.multicastMessages} (default 50,000).
 */
class BridgeMulticastTest {
    static final long MESSAGES = Long.getLong("lockstep.aeron.multicastMessages", 50_000);
    static final int STREAM = 12;
    /** Inside the private namespace: its loopback up, multicast-capable, with a multicast route. */
    static final String NETNS_SETUP = "ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo";
    Path hostA;
    Path hostB;

    @BeforeEach
    void folders() throws IOException {
        Path base = Files.isWritable(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
        hostA = Files.createTempDirectory(base, "lockstep-aeron-mc-a-");
        hostB = Files.createTempDirectory(base, "lockstep-aeron-mc-b-");
    }

    @AfterEach
    void cleanUp() throws IOException {
        TestFiles.deleteTree(hostA);
        TestFiles.deleteTree(hostB);
    }

    /** Null if a private network namespace with a multicast loopback can be made here, else why not. */
    static String whyNoNamespace() {
        try {
            Process p = new ProcessBuilder("unshare", "--net", "sh", "-c", NETNS_SETUP).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "unshare --net did not finish within 20 s";
            }
            return p.exitValue() == 0 ? null : "unshare --net sh -c '" + NETNS_SETUP + "' exited " + p.exitValue() + ": " + out;
        } catch (IOException e) {
            return "cannot run unshare/ip: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /**
     * Null if a UDP multicast datagram sent to a group on the host's loopback interface comes back to a
     * member on it (Linux delivers it with an explicit multicast interface even without the MULTICAST
     * flag), else why not.
     */
    static String whyNoHostLoopbackMulticast() {
        try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET)) {
            InetAddress lo = InetAddress.getByName("127.0.0.1");
            NetworkInterface nif = NetworkInterface.getByInetAddress(lo);
            InetAddress group = InetAddress.getByName("239.255.90.19");
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true).bind(new InetSocketAddress(0));
            ch.setOption(StandardSocketOptions.IP_MULTICAST_IF, nif).setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
            ch.join(group, nif);
            int port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
            ch.send(ByteBuffer.wrap(new byte[] {42}), new InetSocketAddress(group, port));
            ch.configureBlocking(false);
            ByteBuffer back = ByteBuffer.allocate(16);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (ch.receive(back) == null) {
                if (System.nanoTime() - deadline >= 0) {
                    return "a multicast datagram on the host's loopback did not come back within 2 s";
                }
                Thread.sleep(10);
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return "multicast on the host's loopback: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    @Test
    void messagesCrossTwoBridgeProcessesOverUdpMulticastWholeAndInOrder() throws Exception {
        String why = whyNoNamespace();
        if (why == null) {
            // Both bridges in one private network namespace: fixed group and port, nothing on the host's network.
            acrossMulticast("aeron:udp?endpoint=239.255.90.17:40456|interface=127.0.0.1|term-length=4m",
                    List.of("unshare", "--net", "sh", "-c", NETNS_SETUP + " && exec \"$@\"", "sh"), true);
            return;
        }
        String whyNotHost = whyNoHostLoopbackMulticast();
        Assumptions.assumeTrue(whyNotHost == null, () -> "skipped: no private network namespace with a multicast loopback ("
                + why + ") and " + whyNotHost);
        System.out.println("multicast: no private network namespace (" + why + "): on the host's loopback instead");
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        acrossMulticast("aeron:udp?endpoint=239.255.90.21:" + port + "|interface=127.0.0.1|term-length=4m", List.of(), false);
    }

    /**
     * The inbound bridge started with {@code inWrapper}; the outbound one in the same network namespace
     * ({@code nsenter}) if {@code netns}; producer (child JVM) on host A, the consumer (this JVM) on host B.
     */
    private void acrossMulticast(String uri, List<String> inWrapper, boolean netns) throws Exception {
        int capacity = 1 << 20;
        int maxLength = 6000;
        String[] common = {"orders", uri, "--stream", Integer.toString(STREAM), "--capacity", Integer.toString(capacity)};
        try (Child in = Child.startWrapped(inWrapper, hostB, BridgeCommand.class, concat("in", common));
             Child out = startOut(in, netns, common);
             Child producer = Child.start(hostA, ProducerMain.class, "orders", Long.toString(MESSAGES),
                     Integer.toString(capacity), Integer.toString(maxLength));
             ManyToOneChannel ch = Mailboxes.open(hostB).manyToOne("orders", capacity);
             Receiver rx = ch.receiver()) {
            out.awaitLine("CONNECTED", Duration.ofSeconds(30)); // the multicast group reached the inbound bridge
            BridgeProcessTest.Consumer c = new BridgeProcessTest.Consumer(maxLength);
            BridgeProcessTest.Quiet quiet = new BridgeProcessTest.Quiet(producer);
            while (c.last < MESSAGES - 1 && !quiet.over(rx.awaitReceive(c, 256, 100, TimeUnit.MILLISECONDS))) {
                // until the last message, or the producer is done and nothing came for a while
            }
            assertEquals(0, producer.await(Duration.ofSeconds(30)), producer.output());
            assertEquals(MESSAGES, c.received, "received; out:\n" + out.output() + "\nin:\n" + in.output());
            assertEquals(0, c.missing);
            BridgeStats is = BridgeProcessTest.awaitStats(BridgeStatus.inPath(hostB, "orders", STREAM), s -> s.messages() == MESSAGES);
            BridgeStats os = BridgeProcessTest.awaitStats(BridgeStatus.outPath(hostA, "orders"), s -> s.messages() == MESSAGES);
            assertEquals(MESSAGES, is.messages(), is.toString());
            assertEquals(c.bytes, is.bytes(), is.toString());
            assertEquals(MESSAGES, os.messages(), os.toString());
            assertEquals(0, is.gapEvents(), is.toString());
            assertEquals(0, is.duplicatesDropped(), is.toString());
            assertEquals(uri, os.channel(), os.toString());
            assertEquals(uri, is.channel(), is.toString());
            System.out.printf("multicast: %d messages (%d MB) whole and in order through %s%s%n", MESSAGES, c.bytes >> 20, uri,
                    netns ? " in a private network namespace" : "");
        }
    }

    /** The outbound bridge, in the inbound one's network namespace if {@code netns} (once that one is READY). */
    private Child startOut(Child in, boolean netns, String[] common) throws IOException, InterruptedException {
        in.awaitLine("READY", Duration.ofSeconds(30));
        Child out = Child.startWrapped(netns ? List.of("nsenter", "--net=/proc/" + in.pid() + "/ns/net") : List.of(), hostA,
                BridgeCommand.class, concat("out", common));
        out.awaitLine("READY", Duration.ofSeconds(30));
        return out;
    }

    private static String[] concat(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
