package dev.lockstep.ipc.wait;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * {@link KernelSleep} by the Linux futex system call, called through the Foreign Function &amp;
 * Memory API (final in JDK 22): {@code syscall(SYS_futex, addr, FUTEX_WAIT, expected, &timeout)}
 * and {@code syscall(SYS_futex, addr, FUTEX_WAKE, INT_MAX)}, {@code errno} captured. Lives in
 * {@code META-INF/versions/22} of the multi-release jar; {@link Waiting} instantiates it by name.
 *
 * <p>The operations are the shared ones (no {@code FUTEX_PRIVATE_FLAG}): the words lie in a
 * {@code MAP_SHARED} file mapping and the kernel keys them by inode and offset, so processes that map
 * the file at different addresses meet on the same futex. The constructor probes with a
 * {@code FUTEX_WAKE} on a scratch word and throws if that fails (seccomp, an emulator without futex),
 * so {@link Waiting} falls back to polling. Creating the downcall handle is a restricted operation:
 * it throws {@link IllegalCallerException} when native access is refused, and prints the JVM's one
 * warning when it is neither enabled nor refused.
 *
 * <p>Implementation notes: a virtual thread never enters the downcall ({@link #canSleep()}); a
 * platform thread reuses its own 16-byte {@code timespec} and errno capture segment (thread-local,
 * allocated on its first sleep, sliced once) and remembers the base address of the last buffer it used, so
 * a sleep or wake allocates nothing on the heap (one segment view when a thread changes buffers).
 * The word's address is the buffer's native address plus the offset (the buffer is a direct mapping,
 * never moved).
 */
final class LinuxFutex implements KernelSleep {
    private static final long FUTEX_WAIT = 0;
    private static final long FUTEX_WAKE = 1;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final int ETIMEDOUT = 110;

    private final long sysFutex;
    private final MethodHandle syscall;
    private final StructLayout captureLayout = Linker.Option.captureStateLayout();
    private final VarHandle errno = captureLayout.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private final ThreadLocal<Scratch> scratch;

    /**
     * A platform thread's own native scratch (timespec and errno capture, sliced once) and the base address
     * of the last buffer it slept or woke on, so that neither a sleep nor a wake allocates on the heap
     * (a segment view per call was ~200 bytes per waiting send on JDK 25: ChannelTest.waitingSendsAllocateNothing).
     * Holds that one buffer strongly until the thread uses another: a mapping's address does not change
     * while a buffer object refers to it.
     */
    private static final class Scratch {
        final MemorySegment timespec;
        final MemorySegment capture;
        ByteBuffer lastBuffer;
        long lastBase;

        Scratch(MemorySegment s, long captureSize) {
            timespec = s.asSlice(0, 16); // struct timespec { long tv_sec; long tv_nsec; }
            capture = s.asSlice(16, captureSize);
        }

        long address(ByteBuffer buffer, int offset) {
            if (!buffer.isDirect() || offset < 0 || offset > buffer.capacity() - 4 || (offset & 3) != 0) {
                throw new IndexOutOfBoundsException("futex word at " + offset + " of " + buffer.capacity());
            }
            if (buffer != lastBuffer) {
                // The segment view starts at the buffer's position; its base is the address of index 0.
                lastBase = MemorySegment.ofBuffer(buffer).address() - buffer.position();
                lastBuffer = buffer;
            }
            return lastBase + offset;
        }
    }

    @SuppressWarnings("restricted") // the point of this class; the JVM warns or refuses at run time (see Waiting)
    LinuxFutex() throws Throwable {
        String arch = System.getProperty("os.arch", "");
        sysFutex = arch.equals("aarch64") ? 98 : 202; // asm-generic / x86_64 unistd.h
        Linker linker = Linker.nativeLinker();
        MemorySegment fn = linker.defaultLookup().find("syscall")
                .orElseThrow(() -> new UnsupportedOperationException("no syscall() in the C library"));
        // long syscall(long number, ...): every variadic argument passed as a long (the kernel
        // truncates int parameters), so no register carries undefined upper bits.
        FunctionDescriptor fd = FunctionDescriptor.of(JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
        syscall = linker.downcallHandle(fn, fd, Linker.Option.firstVariadicArg(1),
                Linker.Option.captureCallState("errno"));
        Arena arena = Arena.ofAuto();
        long probeSize = captureLayout.byteSize() + 16;
        long captureSize = captureLayout.byteSize();
        scratch = ThreadLocal.withInitial(() -> new Scratch(arena.allocate(probeSize, 8), captureSize));
        MemorySegment probe = Arena.global().allocate(JAVA_INT);
        MemorySegment capture = scratch.get().capture;
        long r = (long) syscall.invokeExact(capture, sysFutex, probe.address(), FUTEX_WAKE,
                (long) Integer.MAX_VALUE, 0L, 0L, 0L);
        if (r < 0) {
            throw new UnsupportedOperationException("FUTEX_WAKE probe failed, errno " + errno(capture));
        }
    }

    @Override
    public boolean canSleep() {
        return !Thread.currentThread().isVirtual();
    }

    @Override
    public boolean sleep(ByteBuffer buffer, int offset, int expected, long nanos) {
        try {
            Scratch s = scratch.get();
            MemorySegment timespec = s.timespec;
            timespec.set(JAVA_LONG, 0, nanos / 1_000_000_000L);
            timespec.set(JAVA_LONG, 8, nanos % 1_000_000_000L);
            MemorySegment capture = s.capture;
            long r = (long) syscall.invokeExact(capture, sysFutex, s.address(buffer, offset), FUTEX_WAIT,
                    (long) expected, timespec.address(), 0L, 0L);
            if (r == 0) {
                return true;
            }
            int e = errno(capture);
            return e == EAGAIN || e == EINTR || e == ETIMEDOUT;
        } catch (Throwable t) { // never fail a waiter: it polls instead
            return false;
        }
    }

    @Override
    public void wakeAll(ByteBuffer buffer, int offset) {
        try {
            Scratch s = scratch.get();
            long r = (long) syscall.invokeExact(s.capture, sysFutex,
                    s.address(buffer, offset), FUTEX_WAKE,
                    (long) Integer.MAX_VALUE, 0L, 0L, 0L);
            // r < 0 (EFAULT after an unmap race): nobody can be asleep on a word we cannot address;
            // sleepers elsewhere wake at their bound.
        } catch (Throwable t) {
            // same: never fail a waker
        }
    }

    private int errno(MemorySegment capture) {
        return (int) errno.get(capture, 0L);
    }

}
