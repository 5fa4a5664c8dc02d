package dev.lockstep.jmh.ipc;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.lockstep.ipc.shm.Idle;
import dev.lockstep.ipc.sync.IpcEvent;

/**
 * The waiting process of {@link WakeHarness}: blocks in one mechanism, and after each return prints
 * {@code WAKE <i> <System.nanoTime()>} on standard output, which the harness compares with the
 * {@code System.nanoTime()} it read just before signalling (one clock for both processes: HotSpot's
 * {@code nanoTime} is {@code clock_gettime(CLOCK_MONOTONIC)} on Linux, system-wide).
 *
 * <pre>
 * java -cp benchmarks.jar dev.lockstep.jmh.ipc.WakeWaiter MODE DIR COUNT
 * </pre>
 *
 * {@code MODE} is a {@link WakeHarness.Mode} name ({@code FUTEX}, {@code BUSY_SPIN}, {@code BACKOFF},
 * {@code SLEEPING}: an auto-reset {@code IpcEvent} at {@code DIR/event}; {@code PIPE}: this process's
 * standard input; {@code FIFO}: the FIFO {@code DIR/wake.fifo}; {@code UDS}: the Unix socket
 * {@code DIR/wake.sock}; {@code IDLE_JVM}: sleeps, for the CPU baseline). It prints
 * {@code READY <wait mode>} just before its first wait, waits {@code COUNT} times, then exits 0.
 *
 * <p>Implementation notes: no helper thread polls anything (it would show in the idle CPU): the end
 * of the harness is seen as end of file on standard input, by a daemon thread blocked in
 * {@code read(2)} (for {@code PIPE}, by the waiting read itself), which then halts this JVM.
 */
public final class WakeWaiter {
    private WakeWaiter() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: WakeWaiter MODE DIR COUNT");
            System.exit(2);
        }
        WakeHarness.Mode mode = WakeHarness.Mode.valueOf(args[0]);
        Path dir = Path.of(args[1]);
        int count = Integer.parseInt(args[2]);
        PrintStream out = System.out;
        InputStream stdin = new FileInputStream(FileDescriptor.in); // unbuffered: one read(2) per call
        if (mode != WakeHarness.Mode.PIPE) {
            haltAtEndOf(stdin);
        }
        switch (mode) {
            case FUTEX:
            case BUSY_SPIN:
            case BACKOFF:
            case SLEEPING: {
                IpcEvent e = IpcEvent.open(dir.resolve(WakeHarness.EVENT));
                if (mode == WakeHarness.Mode.BUSY_SPIN) {
                    e.setIdleStrategy(Idle::busySpin);
                } else if (mode == WakeHarness.Mode.SLEEPING) {
                    e.setIdleStrategy(Idle::sleeping);
                }
                // BACKOFF: the default strategy, with -Dlockstep.ipc.wait=poll; FUTEX: -Dlockstep.ipc.wait=futex
                ready(out, e.waitMode() + (mode == WakeHarness.Mode.FUTEX || mode == WakeHarness.Mode.BACKOFF
                        ? "" : " (setIdleStrategy)"));
                for (int i = 0; i < count; i++) {
                    e.await();
                    woke(out, i, System.nanoTime());
                }
                break;
            }
            case PIPE: {
                ready(out, "read(2) on stdin");
                for (int i = 0; i < count; i++) {
                    int b = stdin.read();
                    long t = System.nanoTime();
                    if (b < 0) {
                        Runtime.getRuntime().halt(0); // the harness is gone
                    }
                    woke(out, i, t);
                }
                break;
            }
            case FIFO: {
                // READ + WRITE opens the FIFO with O_RDWR: never blocks for the other end (Linux), and the
                // harness's O_WRONLY open then finds a reader at once.
                try (FileChannel fifo = FileChannel.open(dir.resolve(WakeHarness.FIFO_NAME), StandardOpenOption.READ,
                        StandardOpenOption.WRITE)) {
                    readLoop(out, "read(2) on a FIFO", fifo::read, count);
                }
                break;
            }
            case UDS: {
                try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    ch.connect(UnixDomainSocketAddress.of(dir.resolve(WakeHarness.SOCKET_NAME)));
                    readLoop(out, "blocking SocketChannel.read", ch::read, count);
                }
                break;
            }
            case IDLE_JVM: {
                ready(out, "Thread.sleep");
                Thread.sleep(Long.MAX_VALUE);
                break;
            }
            default:
                throw new IllegalArgumentException("no waiter for " + mode);
        }
        out.flush();
        System.exit(0);
    }

    /** A blocking one-byte read. */
    private interface Read {
        int read(ByteBuffer into) throws IOException;
    }

    private static void readLoop(PrintStream out, String how, Read read, int count) throws IOException {
        ByteBuffer one = ByteBuffer.allocateDirect(1);
        ready(out, how);
        for (int i = 0; i < count; i++) {
            one.clear();
            int n = read.read(one);
            long t = System.nanoTime();
            if (n < 0) {
                Runtime.getRuntime().halt(0); // the harness is gone
            }
            woke(out, i, t);
        }
    }

    private static void ready(PrintStream out, String how) {
        out.println("READY " + how);
        out.flush();
    }

    private static void woke(PrintStream out, int i, long nanos) {
        out.println("WAKE " + i + " " + nanos);
        out.flush();
    }

    /** Halts this JVM once {@code stdin} ends (the harness exited or was killed): no orphan spins on. */
    private static void haltAtEndOf(InputStream stdin) {
        Thread t = new Thread(() -> {
            try {
                while (stdin.read() >= 0) {
                    // the harness writes nothing here; keep waiting for the end
                }
            } catch (IOException ignored) {
                // treated as the end
            }
            Runtime.getRuntime().halt(0);
        }, "wake-waiter-stdin-watch");
        t.setDaemon(true);
        t.start();
    }
}
