package dev.lockstep.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.mailbox.Mailboxes;
import dev.lockstep.ipc.shm.ShmDirectory;

import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The two-process demonstrations of the CLI, one picocli command each: round trip ({@code ping} /
 * {@code pong}) and throughput ({@code throughput}, whose receiving side is the hidden {@code sink} command). Both use one-to-one
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

    /** The channel name (positional) and {@code --dir}, common to every demo. */
    static final class Where {
        @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", defaultValue = "demo",
                description = "channel name prefix (default: ${DEFAULT-VALUE})")
        String name;

        @Option(names = "--dir", paramLabel = "FOLDER", description = "mailbox folder instead of the default")
        Path dir;

        Mailboxes mailboxes() throws IOException {
            return dir == null ? Mailboxes.openDefault() : Mailboxes.open(dir);
        }
    }

    /** A count that may be written with underscores ({@code 10_000_000}), as today. */
    static final class Count implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Long.parseLong(value.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a number");
            }
        }
    }

    /** Refuses {@code value < min} as a usage error naming the option. */
    static long atLeast(CommandSpec spec, String option, long value, long min) {
        if (value < min) {
            throw new ParameterException(spec.commandLine(), option + " must be >= " + min + ": " + value);
        }
        return value;
    }

    /** {@code ping}: round trips to a pong process. */
    @Command(name = "ping", mixinStandardHelpOptions = true, versionProvider = LockstepCli.Version.class,
            description = "Round trips to a pong process (--spawn starts it) on channels NAME.ping/NAME.pong; "
                    + "prints latency percentiles.")
    static final class Ping implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        Where where;
        @Option(names = "--count", paramLabel = "N", defaultValue = "100000", converter = Count.class,
                description = "measured round trips (default: ${DEFAULT-VALUE})")
        long count;
        @Option(names = "--size", paramLabel = "B", defaultValue = "32", converter = Count.class,
                description = "message size in bytes, >= 16 (default: ${DEFAULT-VALUE})")
        long size;
        @Option(names = "--warmup", paramLabel = "N", defaultValue = "20000", converter = Count.class,
                description = "round trips before measuring (default: ${DEFAULT-VALUE})")
        long warmup;
        @Option(names = "--spawn", description = "start the pong process (a new JVM) too")
        boolean spawn;

        @Override
        public Integer call() throws Exception {
            return ping(where, atLeast(spec, "--count", count, 1), atLeast(spec, "--warmup", warmup, 0),
                    (int) Math.min(atLeast(spec, "--size", size, 16), Integer.MAX_VALUE), spawn, spec.commandLine().getOut());
        }
    }

    /** {@code pong}: echoes ping's messages until ping says stop. */
    @Command(name = "pong", mixinStandardHelpOptions = true, versionProvider = LockstepCli.Version.class,
            description = "Echoes round trips on channels NAME.ping/NAME.pong until ping says stop.")
    static final class Pong implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        Where where;

        @Override
        public Integer call() throws Exception {
            return pong(where, spec.commandLine().getOut());
        }
    }

    /** {@code throughput}: streams messages to a sink process it starts. */
    @Command(name = "throughput", mixinStandardHelpOptions = true, versionProvider = LockstepCli.Version.class,
            description = "Starts a receiving process and streams N messages to it over channel NAME.data; "
                    + "prints messages/s and MB/s.")
    static final class Throughput implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        Where where;
        @Option(names = "--messages", paramLabel = "N", defaultValue = "10000000", converter = Count.class,
                description = "messages to send (default: ${DEFAULT-VALUE})")
        long messages;
        @Option(names = "--size", paramLabel = "B", defaultValue = "32", converter = Count.class,
                description = "message size in bytes, >= 8 (default: ${DEFAULT-VALUE})")
        long size;

        @Override
        public Integer call() throws Exception {
            return throughput(where, atLeast(spec, "--messages", messages, 1),
                    (int) Math.min(atLeast(spec, "--size", size, 8), Integer.MAX_VALUE), spec.commandLine().getOut());
        }
    }

    /** {@code sink}: throughput's receiving side (hidden: throughput starts it). */
    @Command(name = "sink", hidden = true, mixinStandardHelpOptions = true, versionProvider = LockstepCli.Version.class,
            description = "The receiving side of throughput.")
    static final class Sink implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        Where where;
        @Option(names = "--messages", paramLabel = "N", defaultValue = "10000000", converter = Count.class)
        long messages;

        @Override
        public Integer call() throws Exception {
            return sink(where, atLeast(spec, "--messages", messages, 1));
        }
    }

    /**
     * Starts this tool's {@code command} in a new JVM with the same folder, launched as this one was: from
     * the class path (the jar), or as module {@code dev.lockstep.cli} from the module path.
     */
    static Process spawn(Mailboxes boxes, String command, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-D" + ShmDirectory.DIR_PROPERTY + "=" + boxes.directory().path().toAbsolutePath()));
        Module module = LockstepCli.class.getModule();
        if (module.isNamed()) {
            cmd.addAll(List.of("-p", System.getProperty("jdk.module.path"), "-m",
                    module.getName() + "/" + LockstepCli.class.getName()));
        } else {
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), LockstepCli.class.getName()));
        }
        cmd.add(command);
        cmd.addAll(Arrays.asList(args));
        cmd.add("--dir");
        cmd.add(boxes.directory().path().toAbsolutePath().toString());
        return new ProcessBuilder(cmd).inheritIO().start();
    }

    // ------------------------------------------------------------------ ping / pong

    static int ping(Where where, long count, long warmup, int size, boolean spawn, PrintWriter out) throws Exception {
        Mailboxes boxes = where.mailboxes();
        String name = where.name;
        try (OneToOneChannel toPong = OneToOneChannel.openOrCreate(boxes.path(name + ".ping"), 1 << 16);
             OneToOneChannel fromPong = OneToOneChannel.openOrCreate(boxes.path(name + ".pong"), 1 << 16);
             Sender out1 = toPong.sender();
             Receiver in = fromPong.receiver()) {
            Process child = spawn ? spawn(boxes, "pong", name) : null;
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

    static int pong(Where where, PrintWriter out) throws Exception {
        Mailboxes boxes = where.mailboxes();
        String name = where.name;
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

    static int throughput(Where where, long messages, int size, PrintWriter out) throws Exception {
        Mailboxes boxes = where.mailboxes();
        String name = where.name;
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

    static int sink(Where where, long messages) throws Exception {
        Mailboxes boxes = where.mailboxes();
        String name = where.name;
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
