package dev.lockstep.jmh.ipc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import dev.lockstep.ipc.shm.ShmDirectory;
import dev.lockstep.ipc.sync.IpcMutex;

/**
 * {@link IpcMutex} against what Java offers today for mutual exclusion between processes,
 * {@link FileChannel#lock()} (an {@code fcntl} record lock: a system call per lock and per unlock, and
 * a {@link FileLock} object per acquisition), around the same critical section: increment a counter in
 * shared memory (the mutex's data area; a mapping of the locked file for {@code fileLock}).
 * <ul>
 *   <li>{@code uncontended}: one thread, no other process;</li>
 *   <li>{@code twoProcesses}: one thread here while a second process (started in {@code @Setup} with
 *       this fork's class path, killed in {@code @TearDown}) locks and unlocks the same lock in a loop.
 *       The score counts this process's acquisitions only.</li>
 * </ul>
 * Throughput in operations per microsecond; {@code -prof gc} shows {@code ipcMutex} allocating nothing.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@Threads(1)
public class IpcMutexBench {

    /** One lock, by name: open it, lock+increment+unlock. */
    abstract static class Locks {
        Path file;
        IpcMutex mutex;
        ByteBuffer data;
        FileChannel channel;

        void open(String impl, Path file) throws IOException {
            this.file = file;
            if (impl.equals("ipcMutex")) {
                mutex = IpcMutex.openOrCreate(file, 128);
                data = mutex.data();
            } else if (impl.equals("fileLock")) {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                data = channel.map(FileChannel.MapMode.READ_WRITE, 0, 4096).order(ByteOrder.nativeOrder());
            } else {
                throw new IllegalArgumentException("unknown impl " + impl);
            }
        }

        final long once() throws IOException {
            if (mutex != null) {
                mutex.lock();
                try {
                    long v = data.getLong(0) + 1;
                    data.putLong(0, v);
                    return v;
                } finally {
                    mutex.unlock();
                }
            }
            FileLock lock = channel.lock();
            try {
                long v = data.getLong(0) + 1;
                data.putLong(0, v);
                return v;
            } finally {
                lock.release();
            }
        }

        void close() throws IOException {
            if (mutex != null) {
                mutex.close();
            }
            if (channel != null) {
                channel.close();
            }
            Files.deleteIfExists(file);
        }
    }

    static Path newFile(String impl) throws IOException {
        return ShmDirectory.openDefault().resolve("jmh-ipcmutex-" + ProcessHandle.current().pid() + "-" + impl);
    }

    @State(Scope.Benchmark)
    public static class Uncontended extends Locks {
        @Param({"fileLock", "ipcMutex"})
        public String impl;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            open(impl, newFile(impl));
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            close();
        }
    }

    @State(Scope.Benchmark)
    public static class TwoProcesses extends Locks {
        @Param({"fileLock", "ipcMutex"})
        public String impl;
        Process contender;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            open(impl, newFile(impl));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            contender = new ProcessBuilder(List.of(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                    Contender.class.getName(), impl, file.toString())).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(contender.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (!"READY".equals(line)) {
                contender.destroyForcibly();
                throw new IllegalStateException("contender did not start: " + line);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException, InterruptedException {
            contender.destroyForcibly();
            contender.waitFor(30, TimeUnit.SECONDS);
            close();
        }
    }

    /** The second process: locks and unlocks the same lock as fast as it can until killed. */
    public static final class Contender {
        public static void main(String[] args) throws IOException {
            Locks locks = new Locks() { };
            locks.open(args[0], Path.of(args[1]));
            System.out.println("READY");
            System.out.flush();
            while (true) {
                locks.once();
            }
        }
    }

    @Benchmark
    public long uncontended(Uncontended s) throws IOException {
        return s.once();
    }

    @Benchmark
    public long twoProcesses(TwoProcesses s) throws IOException {
        return s.once();
    }
}
