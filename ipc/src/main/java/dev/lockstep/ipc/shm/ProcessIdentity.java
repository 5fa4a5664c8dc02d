package dev.lockstep.ipc.shm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * A process, identified so that a reused pid is not mistaken for it: the pid plus the process's
 * start time.
 *
 * <p>Robust structures record the identity of the process that owns something (a lock, permits, a
 * claim in a ring) and later ask {@link #isAlive()}: the owner is alive only if a process with that pid
 * exists, is not a zombie, and started at the recorded time. A pid reused by a new process (containers
 * recycle small pids quickly) has another start time, so the new process is never taken for the dead
 * owner, and a lock is never stolen from a live one.
 *
 * <p>Pid and start time identify a process only within one PID namespace
 * ({@link #currentPidNamespace()}): the structures never judge a recorded process by them directly but
 * through {@link Participants}, which knows each process's namespace.
 *
 * <p>On Linux the start time is field 22 of {@code /proc/<pid>/stat} (clock ticks since boot: exact,
 * the same for every reader); elsewhere it is {@link ProcessHandle.Info#startInstant()} in epoch
 * milliseconds. Both are read through the same function, so values written by one process compare
 * equal in another on the same machine.
 *
 * @param pid       the process id, in the process's PID namespace
 * @param startTime the process's start time, in the units described above
 */
public record ProcessIdentity(long pid, long startTime) {
    private static final boolean PROC = Files.isReadable(Path.of("/proc/self/stat"));
    /** procStartTime's answer when /proc could not be read for another reason than absence. */
    private static final long UNKNOWN = -2;
    private static final ProcessIdentity CURRENT = of(ProcessHandle.current().pid())
            .orElseThrow(() -> new IllegalStateException("cannot read this process's start time"));
    private static final long PID_NAMESPACE = readPidNamespace();

    /**
     * The identity of this process.
     *
     * @return this process's pid and start time, read once
     */
    public static ProcessIdentity current() {
        return CURRENT;
    }

    /**
     * The inode of this process's PID namespace ({@code /proc/self/ns/pid}, e.g. {@code pid:[4026531836]}),
     * or 0 where it cannot be read (not Linux). Pids and start times are comparable only between
     * processes with the same value: another namespace numbers its processes on its own, so a pid
     * recorded there means nothing (or another process) here. {@link Participants} records it with
     * every registration and judges other namespaces' processes without {@code /proc}.
     *
     * @return the namespace inode, or 0
     */
    public static long currentPidNamespace() {
        return PID_NAMESPACE;
    }

    private static long readPidNamespace() {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
            int open = link.indexOf('[');
            int close = link.indexOf(']');
            return open >= 0 && close > open ? Long.parseLong(link.substring(open + 1, close)) : 0L;
        } catch (IOException | UnsupportedOperationException | SecurityException | NumberFormatException e) {
            return 0L;
        }
    }

    /**
     * The identity of the live process {@code pid}, or empty if there is none (or it is a zombie).
     *
     * @param pid a process id in this process's PID namespace
     * @return its identity, or empty
     *
     * @throws UncheckedIOException if {@code /proc} cannot be read for another reason than the process
     *                              being gone (e.g. too many open files): no verdict is better than a
     *                              wrong one
     */
    public static Optional<ProcessIdentity> of(long pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        long start = startTimeOf(pid);
        if (start == UNKNOWN) {
            throw new UncheckedIOException(new IOException("cannot read the state of pid " + pid));
        }
        return start < 0 ? Optional.empty() : Optional.of(new ProcessIdentity(pid, start));
    }

    /**
     * Whether process {@code pid} may still be the one whose start time, masked by {@code mask}, is
     * {@code maskedStartTime} (structures that pack the start time into fewer bits pass their mask;
     * mask 0 accepts any start time). {@code false} only when it is certainly gone: no such pid, a
     * zombie, or another start time (a reused pid). When it cannot be told (an I/O error reading
     * {@code /proc}), the answer is {@code true}: a robust structure must never take something away
     * from a process that may be alive.
     *
     * @param pid             the recorded process id
     * @param maskedStartTime the recorded start time, already masked
     * @param mask            the bits of the start time that were recorded
     * @return {@code false} only if that process is certainly gone
     */
    public static boolean mayBeAlive(long pid, long maskedStartTime, long mask) {
        if (pid <= 0) {
            return false;
        }
        if (pid == CURRENT.pid) {
            return (CURRENT.startTime & mask) == maskedStartTime;
        }
        long start = startTimeOf(pid);
        if (start == UNKNOWN) {
            return true;
        }
        return start >= 0 && (start & mask) == maskedStartTime;
    }

    /**
     * Whether this process is still running: same pid, same start time, not a zombie. A process that
     * was killed is dead from the moment the kernel marks it a zombie, before its parent reaps it.
     * When {@code /proc} cannot be read (an I/O error other than absence), the answer is {@code true}
     * (see {@link #mayBeAlive}).
     *
     * @return {@code false} only if this process is certainly gone
     */
    public boolean isAlive() {
        if (this.equals(CURRENT)) {
            return true;
        }
        return mayBeAlive(pid, startTime, -1L);
    }

    /**
     * Whether {@code pid} and {@code startTime} (as stored in a file) name a live process.
     *
     * @param pid       the recorded process id
     * @param startTime the recorded start time
     * @return {@code false} only if that process is certainly gone
     */
    public static boolean isAlive(long pid, long startTime) {
        return new ProcessIdentity(pid, startTime).isAlive();
    }

    /** Start time of a live, non-zombie process, -1 if there is none, UNKNOWN if /proc cannot be read. */
    private static long startTimeOf(long pid) {
        if (PROC) {
            return procStartTime(pid);
        }
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .flatMap(h -> h.info().startInstant())
                .map(Instant::toEpochMilli)
                .orElse(-1L);
    }

    private static long procStartTime(long pid) {
        String stat;
        Path file = Path.of("/proc", Long.toString(pid), "stat");
        try {
            stat = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException gone) {
            return -1;
        } catch (IOException | SecurityException e) {
            // Absent pids give NoSuchFileException (or ESRCH while the process is being reaped, which
            // Files reports as an IOException too): tell that apart from a failure to read.
            return Files.exists(Path.of("/proc", Long.toString(pid))) ? UNKNOWN : -1;
        }
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) {
            return -1;
        }
        String[] fields = stat.substring(close + 2).split(" ");
        // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
        if (fields.length < 20) {
            return -1;
        }
        char state = fields[0].isEmpty() ? '?' : fields[0].charAt(0);
        if (state == 'Z' || state == 'X' || state == 'x') {
            return -1;
        }
        try {
            return Long.parseLong(fields[19]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return "pid " + pid + " (start " + startTime + ")";
    }
}
