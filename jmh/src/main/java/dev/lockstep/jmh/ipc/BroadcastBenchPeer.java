package dev.lockstep.jmh.ipc;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastBufferDescriptor;
import org.agrona.concurrent.broadcast.CopyBroadcastReceiver;

import dev.lockstep.ipc.broadcast.BroadcastChannel;
import dev.lockstep.ipc.broadcast.BroadcastReceiver;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;

/**
 * A consumer process of {@link BroadcastThroughputBench}: receives from its transport as fast as it
 * can and publishes its message count (and, for the broadcast transports, its lost-message count) in
 * its line of the counters file, which the bench reads for its flow control. Exits when the bench JVM
 * dies (watchdog). Args: impl, folder, index.
 */
public final class BroadcastBenchPeer {
    static final String COUNTERS = "counters";
    static final String RING = "ring";
    /** Counters-file fields per consumer line (absolute offset = STRUCTURE_OFFSET + 128 * index + field). */
    static final int RECEIVED = 0;
    static final int LOST = 8;
    static final int READY = 16;

    private BroadcastBenchPeer() {
    }

    public static void main(String[] args) throws Exception {
        String impl = args[0];
        Path dir = Path.of(args[1]);
        int index = Integer.parseInt(args[2]);
        watchParent();
        SharedFile counters = SharedFile.open(dir.resolve(COUNTERS), StructureKind.RAW);
        ByteBuffer c = counters.buffer();
        int line = SharedFile.STRUCTURE_OFFSET + MappedAccess.LINE * index;
        long[] count = new long[1];
        switch (impl) {
            case "lockstep": {
                BroadcastChannel ch = BroadcastChannel.open(dir.resolve(RING));
                BroadcastReceiver in = ch.receiver();
                // The count is published per message, as the agrona peer does (its receive hands over
                // one message per call): the bench paces its producer on this count, so publishing it
                // once per batch of up to 256 would make the producer see a consumer up to 256
                // messages further behind than it is (a third of the 64 KiB ring's half-ring window).
                // Opaque: counters order nothing; the bench needs untorn, recent values only.
                dev.lockstep.ipc.channel.MessageHandler h =
                        (t, b, o, l) -> MappedAccess.LONG.setOpaque(c, line + RECEIVED, ++count[0]);
                ready(c, line);
                while (true) {
                    if (in.receive(h, 256) > 0) {
                        // Opaque: as above.
                        MappedAccess.LONG.setOpaque(c, line + LOST, in.lostMessages());
                    } else {
                        Thread.onSpinWait();
                    }
                }
            }
            case "agrona": {
                SharedFile f = SharedFile.open(dir.resolve(RING), StructureKind.RAW);
                int length = (int) f.header().param(0) + BroadcastBufferDescriptor.TRAILER_LENGTH;
                CopyBroadcastReceiver in = new CopyBroadcastReceiver(new org.agrona.concurrent.broadcast.BroadcastReceiver(
                        new UnsafeBuffer(f.buffer(), SharedFile.STRUCTURE_OFFSET, length)));
                org.agrona.concurrent.MessageHandler h = (t, b, o, l) -> count[0]++;
                ready(c, line);
                while (true) {
                    try {
                        if (in.receive(h) > 0) {
                            // Opaque: as above.
                            MappedAccess.LONG.setOpaque(c, line + RECEIVED, count[0]);
                        } else {
                            Thread.onSpinWait();
                        }
                    } catch (IllegalStateException lapped) { // "unable to keep up with broadcast"
                        MappedAccess.LONG.setOpaque(c, line + LOST, 1L);
                    }
                }
            }
            case "oneToOne": {
                OneToOneChannel ch = OneToOneChannel.open(dir.resolve(RING + index));
                Receiver in = ch.receiver();
                dev.lockstep.ipc.channel.MessageHandler h = (t, b, o, l) -> count[0]++;
                ready(c, line);
                while (true) {
                    if (in.receive(h, 256) > 0) {
                        // Opaque: as above.
                        MappedAccess.LONG.setOpaque(c, line + RECEIVED, count[0]);
                    } else {
                        Thread.onSpinWait();
                    }
                }
            }
            default:
                throw new IllegalArgumentException("impl: " + impl);
        }
    }

    private static void ready(ByteBuffer c, int line) {
        // Release: the receiver is open (and positioned) before the bench sees the flag.
        MappedAccess.LONG.setRelease(c, line + READY, 1L);
    }

    private static void watchParent() {
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        Thread t = new Thread(() -> {
            while (parent.map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
            Runtime.getRuntime().halt(0);
        }, "broadcast-peer-watchdog");
        t.setDaemon(true);
        t.start();
    }
}
