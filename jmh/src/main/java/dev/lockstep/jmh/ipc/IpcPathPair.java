package dev.lockstep.jmh.ipc;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@link IpcPathBench}'s single-thread round trip (both ends of a {@link LockstepLink} and of an
 * {@link AgronaLink} in one thread) for a loaded machine: both mechanisms in one JVM, their 100 ms
 * windows alternated, so that each pair of windows sees the same load; prints the median CPU time per
 * round trip of each (thread CPU time, not wall time) and the median of the paired differences. Not a
 * JMH benchmark: it needs no machine-wide JMH lock, and its use is A/B of builds (run the same jar with
 * a directory of changed classes first on the class path).
 *
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp jmh/target/benchmarks.jar \
 *     dev.lockstep.jmh.ipc.IpcPathPair 30
 * </pre>
 */
public final class IpcPathPair {
    static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    // lockstep() and agrona() are the same loop on purpose: one method per link class keeps each loop's
    // send/receive call sites monomorphic, as in the JMH benchmark they mirror; one shared method over an
    // interface would compile both into one bimorphic loop and measure the dispatch too.
    static double lockstep(LockstepLink b, LockstepLink p, long nanos) throws Exception {
        long c0 = MX.getCurrentThreadCpuTime(), t0 = System.nanoTime(), ops = 0;
        do {
            for (int i = 0; i < 500; i++) { b.send(32); p.receive(32); p.send(32); b.receive(32); }
            ops += 500;
        } while (System.nanoTime() - t0 < nanos);
        return (MX.getCurrentThreadCpuTime() - c0) / (double) ops;
    }

    static double agrona(AgronaLink b, AgronaLink p, long nanos) throws Exception {
        long c0 = MX.getCurrentThreadCpuTime(), t0 = System.nanoTime(), ops = 0;
        do {
            for (int i = 0; i < 500; i++) { b.send(32); p.receive(32); p.send(32); b.receive(32); }
            ops += 500;
        } while (System.nanoTime() - t0 < nanos);
        return (MX.getCurrentThreadCpuTime() - c0) / (double) ops;
    }

    public static void main(String[] a) throws Exception {
        int windows = a.length > 0 ? Integer.parseInt(a[0]) : 30;
        Path shm = Path.of("/dev/shm");
        Path dir = Files.createTempDirectory(Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")),
                "ipcpathpair-");
        Files.createDirectories(dir.resolve("l"));
        AgronaLink ab = AgronaLink.create(dir.resolve(IpcSession.FILE), false, IpcSession.RING_CAPACITY);
        AgronaLink ap = AgronaLink.open(dir.resolve(IpcSession.FILE), false, IpcSession.RING_CAPACITY);
        LockstepLink lb = LockstepLink.create(dir.resolve("l"), false, IpcSession.RING_CAPACITY);
        LockstepLink lp = LockstepLink.open(dir.resolve("l"), false);
        for (int w = 0; w < 20; w++) { lockstep(lb, lp, 100_000_000L); agrona(ab, ap, 100_000_000L); } // warm-up 4 s
        double[] l = new double[windows], g = new double[windows], d = new double[windows];
        for (int w = 0; w < windows; w++) {
            l[w] = lockstep(lb, lp, 100_000_000L);
            g[w] = agrona(ab, ap, 100_000_000L);
            d[w] = l[w] - g[w];
        }
        Arrays.sort(l); Arrays.sort(g); Arrays.sort(d);
        System.out.printf("lockstep %.1f agrona %.1f diff %.1f (q1 %.1f q3 %.1f) ns CPU per round trip, %d paired windows%n",
                l[windows / 2], g[windows / 2], d[windows / 2], d[windows / 4], d[3 * windows / 4], windows);
        lp.close(); lb.close(); ap.close(); ab.close();
        try (var s = Files.walk(dir)) { s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete()); }
    }
}
