package dev.lockstep.jmh.ipc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The bench side of a two-process benchmark: prepares the transport, starts the peer JVM
 * ({@link IpcPeer}) on the same class path, waits until it is ready, and hands out the bench's end
 * of the link. {@link #close()} kills the peer and deletes every file it made.
 *
 * <pre>{@code
 * @Setup(Level.Trial)    public void start() throws IOException { session = IpcSession.start(mechanism, IpcPeer.ECHO, 32); link = session.link(); }
 * @Benchmark             public boolean roundTrip() throws IOException { link.send(32); return link.receive(32); }
 * @TearDown(Level.Trial) public void stop() throws IOException { session.close(); }
 * }</pre>
 *
 * <p>Everything lives in a fresh folder (under {@code /dev/shm} when writable, else the temp dir) named
 * uniquely by {@link Files#createTempDirectory}, so concurrent runs never share a file, FIFO or socket.
 * The peer writes {@value #READY} there once its end is open; its stderr goes to {@value #LOG}, shown
 * when it fails. The peer exits by itself when the bench JVM dies (it watches its parent).
 */
public final class IpcSession implements AutoCloseable {
    /** Ring capacity for the shared-memory channels (Agrona's, and Lockstep's when it lands). */
    public static final int RING_CAPACITY = 64 * 1024;
    /** The flag Agrona's {@code UnsafeBuffer} needs; the JMH forks and the peers get it. */
    public static final String AGRONA_FLAG = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    static final String READY = "ready";
    static final String LOG = "peer.log";
    static final String FILE = "channel";
    static final String REQUEST_FIFO = "request.fifo";
    static final String REPLY_FIFO = "reply.fifo";
    static final String SOCKET = "uds.sock";
    private static final long READY_TIMEOUT_MS = 60_000;

    private final Path dir;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private Process peer;
    private IpcLink link;

    private IpcSession(Path dir) {
        this.dir = dir;
    }

    /**
     * Starts a session.
     *
     * @param mechanism a {@link Mechanism} parameter name, e.g. {@code "uds"}
     * @param mode      {@link IpcPeer#ECHO} or {@link IpcPeer#SINK}
     * @param size      message length in bytes, 1 to {@link IpcLink#MAX_MESSAGE}
     */
    public static IpcSession start(String mechanism, String mode, int size) throws IOException {
        Mechanism m = Mechanism.of(mechanism);
        if (!IpcPeer.ECHO.equals(mode) && !IpcPeer.SINK.equals(mode)) {
            throw new IllegalArgumentException("mode must be " + IpcPeer.ECHO + " or " + IpcPeer.SINK + ": " + mode);
        }
        if (IpcPeer.SINK.equals(mode) && !m.sinkCapable()) {
            throw new IllegalArgumentException(mechanism + " measures the round trip only, it has no sink");
        }
        if (size < 1 || size > IpcLink.MAX_MESSAGE) {
            throw new IllegalArgumentException("size must be 1.." + IpcLink.MAX_MESSAGE + ": " + size);
        }
        IpcSession s = new IpcSession(Files.createTempDirectory(baseDir(), "lockstep-ipcbench-"));
        try {
            s.open(m, mode, size);
            return s;
        } catch (IOException | RuntimeException e) {
            try {
                s.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Where the benchmarks' temporary folders go: /dev/shm if writable, else java.io.tmpdir. */
    static Path baseDir() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    private void open(Mechanism m, String mode, int size) throws IOException {
        boolean echo = IpcPeer.ECHO.equals(mode);
        switch (m) {
            case FLOOR:
                link = FloorLink.create(dir.resolve(FILE));
                startPeer(m, mode, size, null);
                awaitReady();
                break;
            case AGRONA:
            case AGRONA_MANY_TO_ONE:
                link = AgronaLink.create(dir.resolve(FILE), m == Mechanism.AGRONA_MANY_TO_ONE, RING_CAPACITY);
                startPeer(m, mode, size, null);
                awaitReady();
                break;
            case PIPE:
                startPeer(m, mode, size, null);
                link = new StreamLink(peer.getInputStream(), peer.getOutputStream());
                awaitReady();
                break;
            case FIFO: {
                mkfifo(dir.resolve(REQUEST_FIFO));
                mkfifo(dir.resolve(REPLY_FIFO));
                // READ+WRITE opens a FIFO with O_RDWR, which on Linux never blocks waiting for the other end.
                FileChannel request = FileChannel.open(dir.resolve(REQUEST_FIFO), StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                FileChannel reply = echo ? FileChannel.open(dir.resolve(REPLY_FIFO), StandardOpenOption.READ,
                        StandardOpenOption.WRITE) : null;
                link = new ChannelLink(reply, request);
                startPeer(m, mode, size, null);
                awaitReady();
                break;
            }
            case UDS: {
                ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                closeables.add(server);
                server.bind(UnixDomainSocketAddress.of(dir.resolve(SOCKET)));
                startPeer(m, mode, size, null);
                awaitReady(); // the peer connected before saying ready: accept does not block
                SocketChannel ch = server.accept();
                link = new ChannelLink(ch, ch);
                break;
            }
            case TCP: {
                ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET);
                closeables.add(server);
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
                startPeer(m, mode, size, Integer.toString(port));
                awaitReady();
                SocketChannel ch = server.accept();
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                link = new ChannelLink(ch, ch);
                break;
            }
            case LOCKSTEP:
            case LOCKSTEP_MANY_TO_ONE:
                link = LockstepLink.create(dir, m == Mechanism.LOCKSTEP_MANY_TO_ONE, RING_CAPACITY);
                startPeer(m, mode, size, null);
                awaitReady();
                break;
            case LOCKSTEP_PRIORITY_QUEUE:
                link = PriorityQueueLink.create(dir);
                startPeer(m, mode, size, null);
                awaitReady();
                break;
            case LANE_PROBE:
                link = LaneProbeLink.create(dir);
                startPeer(m, mode, size, null);
                awaitReady();
                break;
            default:
                throw new IllegalArgumentException("no bench side for " + m);
        }
        IpcLink l = link;
        // A dead peer must fail the benchmark, not hang it: spinning links poll a flag, blocking ones
        // are closed under the blocked read or write (which then throws).
        peer.onExit().thenRun(() -> {
            if (l instanceof SpinLink) {
                ((SpinLink) l).peerGone = true;
            } else {
                try {
                    l.close();
                } catch (IOException ignored) {
                    // the benchmark thread reports the failure
                }
            }
        });
    }

    private void startPeer(Mechanism m, String mode, int size, String extra) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add(AGRONA_FLAG);
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Xmx64m");
        cmd.add("-XX:+DisplayVMOutputToStderr"); // keep the VM's own messages off the pipe mechanism's stdout
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(IpcPeer.class.getName());
        cmd.add(m.paramName());
        cmd.add(mode);
        cmd.add(dir.toString());
        cmd.add(Integer.toString(size));
        if (extra != null) {
            cmd.add(extra);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(dir.resolve(LOG).toFile());
        if (m != Mechanism.PIPE) {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        peer = pb.start();
    }

    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MS);
        Path ready = dir.resolve(READY);
        while (!Files.exists(ready)) {
            if (!peer.isAlive()) {
                throw new IOException("the peer exited with status " + peer.exitValue() + " before it was ready; "
                        + "its output: " + peerLog());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("the peer was not ready after " + READY_TIMEOUT_MS + " ms; its output: " + peerLog());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the peer", e);
            }
        }
    }

    private String peerLog() {
        try {
            String s = Files.readString(dir.resolve(LOG), StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? "(none)" : s;
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static void mkfifo(Path p) throws IOException {
        try {
            Process mk = new ProcessBuilder("mkfifo", "-m", "600", p.toString()).redirectErrorStream(true).start();
            String out = new String(mk.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (mk.waitFor() != 0) {
                throw new IOException("mkfifo " + p + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted in mkfifo " + p, e);
        }
    }

    /** The session's folder (removed by {@link #close()}). */
    Path directory() {
        return dir;
    }

    /** The peer process. */
    ProcessHandle peer() {
        return peer.toHandle();
    }

    /** The bench's end of the link. */
    IpcLink link() {
        return link;
    }

    /** Kills the peer, closes the link and deletes the session's folder. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        if (peer != null) {
            peer.destroy();
            try {
                if (!peer.waitFor(5, TimeUnit.SECONDS)) {
                    peer.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                peer.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        first = ChannelLink.closeQuietly(link, first);
        for (AutoCloseable c : closeables) {
            first = ChannelLink.closeQuietly(c, first);
        }
        try {
            deleteTree(dir);
        } catch (IOException e) {
            first = first == null ? e : first;
        }
        if (first != null) {
            throw first;
        }
    }

    /** Deletes {@code dir} and everything in it, if it exists. */
    static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
