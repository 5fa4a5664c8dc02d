package dev.lockstep.jmh.ipc;

/**
 * The inter-process transports the IPC benchmarks compare, by their {@code @Param mechanism} name.
 * Each has a bench side ({@link IpcSession}) and a peer side ({@link IpcPeer}); both switch on this
 * enum, so a new transport is one constant here plus one case in each of those two switches.
 *
 * <pre>{@code
 * Mechanism m = Mechanism.of("uds");   // Mechanism.UDS
 * }</pre>
 */
public enum Mechanism {
    /**
     * Two processes ping-ponging one {@code long} in a mapped {@code SharedFile}, each on its own
     * 128-byte line: the hardware floor of any shared-memory channel. Round trip only.
     */
    FLOOR("floor", false),
    /** Agrona {@code OneToOneRingBuffer} over a mapped {@code SharedFile}, {@link IpcSession#RING_CAPACITY} bytes. */
    AGRONA("agrona", true),
    /** Agrona {@code ManyToOneRingBuffer} over a mapped {@code SharedFile}, {@link IpcSession#RING_CAPACITY} bytes. */
    AGRONA_MANY_TO_ONE("agronaManyToOne", true),
    /** Anonymous pipes: the peer's stdin and stdout ({@link ProcessBuilder.Redirect#PIPE}). */
    PIPE("pipe", true),
    /** Named pipes made with {@code mkfifo}, one per direction. */
    FIFO("fifo", true),
    /** Unix domain stream socket ({@code SocketChannel} with {@code UnixDomainSocketAddress}). */
    UDS("uds", true),
    /** Loopback TCP, {@code TCP_NODELAY} on both ends. */
    TCP("tcp", true),
    /** Lockstep {@code OneToOneChannel}, one channel file per direction, {@link IpcSession#RING_CAPACITY} bytes. */
    LOCKSTEP("lockstep", true),
    /** Lockstep {@code ManyToOneChannel}, one channel file per direction, {@link IpcSession#RING_CAPACITY} bytes. */
    LOCKSTEP_MANY_TO_ONE("lockstepManyToOne", true),
    /** Lockstep {@code SharedPriorityQueue} (many-to-many, priority order), one queue file per direction. */
    LOCKSTEP_PRIORITY_QUEUE("lockstepPriorityQueue", true),
    /** Measurement only: {@link LaneProbeLink}, the per-message path of a lane-per-sender priority queue. */
    LANE_PROBE("laneProbe", true);

    private final String paramName;
    private final boolean sinkCapable;

    Mechanism(String paramName, boolean sinkCapable) {
        this.paramName = paramName;
        this.sinkCapable = sinkCapable;
    }

    /** The {@code @Param} value, e.g. {@code "agronaManyToOne"}. */
    public String paramName() {
        return paramName;
    }

    /** Whether the throughput benchmark (a draining sink peer) supports it. */
    public boolean sinkCapable() {
        return sinkCapable;
    }

    /** The mechanism whose {@link #paramName()} is {@code name}. */
    public static Mechanism of(String name) {
        for (Mechanism m : values()) {
            if (m.paramName.equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown IPC mechanism: " + name + " (known: "
                + java.util.Arrays.stream(values()).map(Mechanism::paramName).toList() + ")");
    }
}
