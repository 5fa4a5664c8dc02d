package dev.lockstep.jmh.ipc;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The other process of an IPC benchmark, started by {@link IpcSession}:
 *
 * <pre>
 * java --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -cp benchmarks.jar dev.lockstep.jmh.ipc.IpcPeer \
 *      MECHANISM echo|sink DIR SIZE [PORT]
 * </pre>
 *
 * Opens its end of the transport the bench prepared in {@code DIR}, creates {@code DIR/ready}, then
 * either echoes every {@code SIZE}-byte message back ({@value #ECHO}: round trip) or drains and
 * discards everything ({@value #SINK}: throughput; the transport is bounded, so a sender that outruns
 * it blocks: back-pressure). Runs until killed, until the stream ends, or until its parent (the JMH
 * fork) dies: a watchdog thread checks every {@value #WATCHDOG_MS} ms, so no orphan keeps spinning.
 *
 * <p>Exit status: 0 at end of stream or when the parent died, 1 on an error, 2 on a usage error.
 */
public final class IpcPeer {
    /** Mode: send every message back. */
    public static final String ECHO = "echo";
    /** Mode: drain and discard. */
    public static final String SINK = "sink";
    static final long WATCHDOG_MS = 200;

    private IpcPeer() {
    }

    public static void main(String[] args) {
        if (args.length < 4) {
            System.err.println("usage: IpcPeer MECHANISM echo|sink DIR SIZE [PORT]");
            System.exit(2);
        }
        watchParent();
        try {
            Mechanism m = Mechanism.of(args[0]);
            boolean echo = ECHO.equals(args[1]);
            if (!echo && !SINK.equals(args[1])) {
                throw new IllegalArgumentException("mode must be echo or sink: " + args[1]);
            }
            Path dir = Path.of(args[2]);
            int size = Integer.parseInt(args[3]);
            try (IpcLink link = connect(m, echo, dir, args.length > 4 ? args[4] : null)) {
                Files.createFile(dir.resolve(IpcSession.READY));
                if (echo) {
                    while (link.receive(size)) {
                        link.send(size);
                    }
                } else {
                    while (link.drain()) {
                        // discard
                    }
                }
            }
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
    }

    /** Opens the peer's end of the transport {@link IpcSession} prepared. */
    static IpcLink connect(Mechanism m, boolean echo, Path dir, String port) throws IOException {
        switch (m) {
            case FLOOR:
                return FloorLink.open(dir.resolve(IpcSession.FILE));
            case AGRONA:
            case AGRONA_MANY_TO_ONE:
                return AgronaLink.open(dir.resolve(IpcSession.FILE), m == Mechanism.AGRONA_MANY_TO_ONE,
                        IpcSession.RING_CAPACITY);
            case PIPE:
                return new ChannelLink(new FileInputStream(FileDescriptor.in).getChannel(),
                        echo ? new FileOutputStream(FileDescriptor.out).getChannel() : null);
            case FIFO:
                return new ChannelLink(FileChannel.open(dir.resolve(IpcSession.REQUEST_FIFO), StandardOpenOption.READ),
                        echo ? FileChannel.open(dir.resolve(IpcSession.REPLY_FIFO), StandardOpenOption.WRITE) : null);
            case UDS: {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(dir.resolve(IpcSession.SOCKET)));
                return new ChannelLink(ch, ch);
            }
            case TCP: {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.INET);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(port)));
                return new ChannelLink(ch, ch);
            }
            case LOCKSTEP:
            case LOCKSTEP_MANY_TO_ONE:
                return LockstepLink.open(dir, m == Mechanism.LOCKSTEP_MANY_TO_ONE);
            case LOCKSTEP_PRIORITY_QUEUE:
                return PriorityQueueLink.open(dir);
            case LANE_PROBE:
                return LaneProbeLink.open(dir);
            default:
                throw new IllegalArgumentException("no peer side for " + m);
        }
    }

    private static void watchParent() {
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        Thread t = new Thread(() -> {
            while (parent.map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    Thread.sleep(WATCHDOG_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
            Runtime.getRuntime().halt(0); // the bench is gone: do not spin on alone
        }, "ipc-peer-watchdog");
        t.setDaemon(true);
        t.start();
    }
}
