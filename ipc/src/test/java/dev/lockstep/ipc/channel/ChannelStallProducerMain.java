package dev.lockstep.ipc.channel;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Child-JVM producer of {@link ChannelStallTest}: sends {@code count} checked messages (see
 * {@link ChannelMessages}) of producer {@code id} to a many-to-one channel. Every message whose seq
 * is in the list of stall points is sent by a zero-copy claim that stops between claim and body:
 * it prints {@code CLAIMED <seq>}, spins until the file {@code <file>.go-<seq>} exists (the parent
 * stops the process with SIGSTOP meanwhile, for longer than the claim timeout, and creates the file
 * before continuing it), then writes the body, commits, and prints
 * {@code COMMIT <seq> <result>}; a claim reported revoked is sent again. All other messages go through
 * the blocking copying send (which resends a revoked copy by itself). Prints {@code DONE} at the end.
 *
 * <p>Args: {@code file id count stallSeq...}
 */
public final class ChannelStallProducerMain {
    public static void main(String[] args) throws Exception {
        ManyToOneChannel ch = ManyToOneChannel.open(Path.of(args[0]));
        int id = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        java.util.Set<Integer> stalls = new java.util.HashSet<>();
        for (int i = 3; i < args.length; i++) {
            stalls.add(Integer.parseInt(args[i]));
        }
        int max = ch.maxMessageLength();
        try (Sender out = ch.sender()) {
            System.out.println("READY");
            System.out.flush();
            ByteBuffer scratch = ByteBuffer.allocate(max).order(java.nio.ByteOrder.nativeOrder());
            for (int seq = 0; seq < count; ) {
                int len = ChannelMessages.length(id, seq, max);
                if (!stalls.contains(seq)) {
                    ChannelMessages.write(scratch, 0, id, seq, len);
                    out.send(1, scratch, 0, len);
                    seq++;
                    continue;
                }
                int at;
                while ((at = out.tryClaim(1, len)) < 0) {
                    Thread.onSpinWait();
                }
                System.out.println("CLAIMED " + seq);
                System.out.flush();
                Path go = Path.of(args[0] + ".go-" + seq);
                while (!java.nio.file.Files.exists(go)) {
                    Thread.onSpinWait(); // stopped in here by the parent, which creates the file before SIGCONT
                }
                ChannelMessages.write(out.buffer(), at, id, seq, len); // the late body
                boolean committed = out.commit(at);
                System.out.println("COMMIT " + seq + " " + committed);
                System.out.flush();
                stalls.remove(seq);
                if (committed) {
                    seq++;
                }
            }
            System.out.println("DONE " + count);
            System.out.flush();
        }
    }
}
