package dev.lockstep.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.mailbox.Mailboxes;
import dev.lockstep.ipc.shm.ShmDirectory;

/**
 * The two-process demonstrations of the CLI: round trip ({@code ping} / {@code pong}) and throughput
 * ({@code throughput}, whose receiving side is the hidden {@code sink} command). Both use one-to-one
 * channels named {@code <name>.ping}/{@code <name>.pong} (or {@code <name>.data}/{@code <name>.done})
 * in a mailbox folder, so {@code stat} shows them while they run.
 *
 * <p>Waiting sides busy-spin on {@code tryReceive}: the demos show the latency floor of the channel,
 * at the price of one core per side while they run.
 */
final class Demos {
    static final int PING = 1;
    static final int STOP = 2;
    static final int DATA = 3;
    static final int DONE = 4;
    static final int READY = 5;

    private Demos() {
    }

    /** Parsed {@code --key value} options and positional arguments. */
    static final class Options {
        final List<String> positional = new ArrayList<>();
        final java.util.Map<String, String> named = new java.util.HashMap<>();

        Options(String[] args) {
            for (int i = 0; i < args.length; i++) {
                if (args[i].startsWith("--")) {
                    String key = args[i].substring(2);
                    if (key.equals("spawn")) {
                        named.put(key, "true");
                    } else if (i + 1 < args.length) {
                        named.put(key, args[++i]);
                    } else {
                        throw new IllegalArgumentException("option --" + key + " needs a value");
                    }
                } else {
                    positional.add(args[i]);
                }
            }
        }

        String name() {
            return positional.isEmpty() ? "demo" : positional.get(0);
        }

        long number(String key, long defaultValue, long min) {
            String v = named.get(key);
            if (v == null) {
                return defaultValue;
            }
            long n;
            try {
                n = Long.parseLong(v.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + key + " must be a number: " + v);
            }
            if (n < min) {
                throw new IllegalArgumentException("--" + key + " must be >= " + min + ": " + n);
            }
            return n;
        }

        Mailboxes mailboxes() throws IOException {
            String dir = named.get("dir");
            return dir == null ? Mailboxes.openDefault() : Mailboxes.open(Path.of(dir));
        }
    }

    /** Starts this jar's {@code command} in a new JVM with the same folder. */
    static Process spawn(Mailboxes boxes, String command, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-D" + ShmDirectory.DIR_PROPERTY + "=" + boxes.directory().path().toAbsolutePath(),
                "-cp", System.getProperty("java.class.path"), LockstepCli.class.getName(), command));
        cmd.addAll(Arrays.asList(args));
        cmd.add("--dir");
        cmd.add(boxes.directory().path().toAbsolutePath().toString());
        return new ProcessBuilder(cmd).inheritIO().start();
    }

    // ------------------------------------------------------------------ ping / pong

    static int ping(String[] args, PrintStream out) throws Exception {
        Options o = new Options(args);
        long count = o.number("count", 100_000, 1);
        long warmup = o.number("warmup", 20_000, 0);
        int size = (int) o.number("size", 32, 16);
        Mailboxes boxes = o.mailboxes();
        String name = o.name();
        try (OneToOneChannel toPong = OneToOneChannel.openOrCreate(boxes.path(name + ".ping"), 1 << 16);
             OneToOneChannel fromPong = OneToOneChannel.openOrCreate(boxes.path(name + ".pong"), 1 << 16);
             Sender out1 = toPong.sender();
             Receiver in = fromPong.receiver()) {
            Process child = o.named.containsKey("spawn") ? spawn(boxes, "pong", name) : null;
            ByteBuffer msg = ByteBuffer.allocate(size).order(java.nio.ByteOrder.nativeOrder());
            long[] echoed = new long[1];
            MessageHandler onEcho = (type, buf, off, len) -> echoed[0] = buf.getLong(off);
            long[] rtt = new long[(int) count];
            out.printf("ping: %d round trips of %d bytes over %s (after %d warm-up)%n", count, size, toPong.path(), warmup);
            for (long i = -warmup; i < count; i++) {
                msg.putLong(0, i);
                long start = System.nanoTime();
                while (!out1.trySend(PING, msg, 0, size)) {
                    Thread.onSpinWait();
                }
                echoed[0] = Long.MIN_VALUE;
                long deadline = start + TimeUnit.SECONDS.toNanos(10);
                while (echoed[0] != i) {
                    if (!in.tryReceive(onEcho)) {
                        Thread.onSpinWait();
                        if (System.nanoTime() - deadline > 0) {
                            out.println("ping: no answer within 10 s: is 'pong " + name + "' running?");
                            return 1;
                        }
                    }
                }
                if (i >= 0) {
                    rtt[(int) i] = System.nanoTime() - start;
                }
            }
            while (!out1.trySend(STOP, msg, 0, size)) {
                Thread.onSpinWait();
            }
            if (child != null && !child.waitFor(30, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
            Arrays.sort(rtt);
            out.printf("round trip ns: min %d  p50 %d  p90 %d  p99 %d  p99.9 %d  max %d%n", rtt[0],
                    percentile(rtt, 0.50), percentile(rtt, 0.90), percentile(rtt, 0.99), percentile(rtt, 0.999),
                    rtt[rtt.length - 1]);
            return 0;
        }
    }

    static long percentile(long[] sorted, double p) {
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static int pong(String[] args, PrintStream out) throws Exception {
        Options o = new Options(args);
        Mailboxes boxes = o.mailboxes();
        String name = o.name();
        try (OneToOneChannel fromPing = OneToOneChannel.openOrCreate(boxes.path(name + ".ping"), 1 << 16);
             OneToOneChannel toPing = OneToOneChannel.openOrCreate(boxes.path(name + ".pong"), 1 << 16);
             Receiver in = fromPing.receiver();
             Sender back = toPing.sender()) {
            out.println("pong: echoing " + fromPing.path() + " -> " + toPing.path() + " until ping says stop");
            boolean[] stop = new boolean[1];
            long[] echoed = new long[1];
            MessageHandler echo = (type, buf, off, len) -> {
                if (type == STOP) {
                    stop[0] = true;
                    return;
                }
                while (!back.trySend(type, buf, off, len)) {
                    Thread.onSpinWait();
                }
                echoed[0]++;
            };
            while (!stop[0]) {
                if (!in.tryReceive(echo)) {
                    Thread.onSpinWait();
                }
            }
            out.println("pong: echoed " + echoed[0] + " messages");
            return 0;
        }
    }

    // ------------------------------------------------------------------ throughput

    static int throughput(String[] args, PrintStream out) throws Exception {
        Options o = new Options(args);
        long messages = o.number("messages", 10_000_000, 1);
        int size = (int) o.number("size", 32, 8);
        Mailboxes boxes = o.mailboxes();
        String name = o.name();
        try (OneToOneChannel data = OneToOneChannel.openOrCreate(boxes.path(name + ".data"), 1 << 20);
             OneToOneChannel done = OneToOneChannel.openOrCreate(boxes.path(name + ".done"), 1 << 16);
             Sender out1 = data.sender();
             Receiver in = done.receiver()) {
            if (size > data.maxMessageLength()) {
                throw new IllegalArgumentException("--size " + size + " exceeds the channel's maximum message length "
                        + data.maxMessageLength());
            }
            Process sink = spawn(boxes, "sink", name, "--messages", Long.toString(messages));
            long[] reply = new long[2];
            awaitType(in, READY, reply, sink);
            byte[] body = new byte[size];
            out.printf("throughput: %,d messages of %d bytes over %s%n", messages, size, data.path());
            long start = System.nanoTime();
            for (long i = 0; i < messages; i++) {
                while (!out1.trySend(DATA, body, 0, size)) {
                    Thread.onSpinWait();
                }
            }
            awaitType(in, DONE, reply, sink);
            long nanos = System.nanoTime() - start;
            sink.waitFor(30, TimeUnit.SECONDS);
            if (reply[1] != messages) {
                out.println("throughput: the sink counted " + reply[1] + " messages, expected " + messages);
                return 1;
            }
            double perSecond = messages * 1e9 / nanos;
            out.printf("throughput: %,.0f messages/s, %,.1f MB/s (%d ms)%n", perSecond, perSecond * size / 1e6,
                    TimeUnit.NANOSECONDS.toMillis(nanos));
            return 0;
        }
    }

    private static void awaitType(Receiver in, int wanted, long[] reply, Process peer) throws InterruptedException {
        reply[0] = -1;
        while (reply[0] != wanted) {
            if (in.awaitReceive((type, buf, off, len) -> {
                reply[0] = type;
                reply[1] = len >= 8 ? buf.getLong(off) : 0;
            }, 1, 100, TimeUnit.MILLISECONDS) == 0 && !peer.isAlive()) {
                throw new IllegalStateException("the peer process exited (" + peer.exitValue() + ")");
            }
        }
    }

    static int sink(String[] args, PrintStream out) throws Exception {
        Options o = new Options(args);
        long messages = o.number("messages", 10_000_000, 1);
        Mailboxes boxes = o.mailboxes();
        String name = o.name();
        try (OneToOneChannel data = OneToOneChannel.openOrCreate(boxes.path(name + ".data"), 1 << 20);
             OneToOneChannel done = OneToOneChannel.openOrCreate(boxes.path(name + ".done"), 1 << 16);
             Receiver in = data.receiver();
             Sender back = done.sender()) {
            byte[] count = new byte[8];
            back.send(READY, count, 0, 8);
            long[] received = new long[1];
            MessageHandler counter = (type, buf, off, len) -> received[0]++;
            while (received[0] < messages) {
                if (in.receive(counter, 256) == 0) {
                    Thread.onSpinWait();
                }
            }
            ByteBuffer.wrap(count).order(java.nio.ByteOrder.nativeOrder()).putLong(0, received[0]);
            back.send(DONE, count, 0, 8);
            return 0;
        }
    }
}
