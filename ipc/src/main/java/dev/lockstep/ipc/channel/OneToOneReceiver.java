package dev.lockstep.ipc.channel;

import static dev.lockstep.ipc.channel.RecordDescriptor.*;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * The consumer of a {@link OneToOneChannel}: the producer publishes only at commit, so a header word
 * with length &lt;= 0 (zero, or the mark of a record consumed a lap earlier) is simply "empty" and the
 * consumer never reads the tail on its fast path (Agrona's
 * {@code OneToOneRingBuffer} protocol; see {@link ShmChannel}'s notes).
 */
public final class OneToOneReceiver extends Receiver {
    OneToOneReceiver(OneToOneChannel channel, IdleStrategy idle) {
        super(channel, idle);
        resumeAfterDeadConsumer();
    }

    /**
     * A consumer that died mid-batch may have consumed records without releasing head: skip leading
     * consumed marks of their own lap, by their extent, wherever the stored tail is (a mark of pos's
     * lap at pos proves a record was published and consumed there, even past a tail that a dead
     * producer did not store: stopping there would leave us reading a mark, "empty", forever), and
     * zero words below the tail (the producer publishes headers before the tail, so every position
     * below it is a record or consumed; by the zeroing order, never a body word behind a zero header).
     */
    private void resumeAfterDeadConsumer() {
        // Acquire: pairs with the producer's release of the tail (its headers were published before).
        long tail = (long) MappedAccess.LONG.getAcquire(buffer, tailOffset);
        long pos = head;
        while (true) {
            // Acquire: a committed header seen here must come with its body.
            long word = (long) MappedAccess.LONG.getAcquire(buffer, dataOffset + (int) (pos & mask));
            if (isConsumedMark(word, pos, lapShift)) {
                // Consumed by the dead consumer: the mark holds the extent. No producer writes at pos's
                // index before head passes it, so the mark cannot change under us.
                pos -= length(word);
                continue;
            }
            if (word != 0 || pos >= tail) {
                break;
            }
            pos += ALIGNMENT;
        }
        if (pos != head) {
            head = pos;
            readPos = pos;
            // Volatile store, then the producers' wait word: as in releaseHead (a producer asleep on
            // the full ring the dead consumer left wakes now, not at its sleep bound).
            MappedAccess.LONG.setVolatile(buffer, headOffset, pos);
            dev.lockstep.ipc.wait.WaitWord.signal(buffer, producerWaitOffset);
        }
    }

    @Override
    int poll(MessageHandler handler, int limit) {
        long pos = readPos;
        int count = 0;
        try {
            while (count < limit) {
                int at = dataOffset + (int) (pos & mask);
                // Acquire: pairs with the producer's release of the header, so the body is visible whole.
                long word = (long) MappedAccess.LONG.getAcquire(buffer, at);
                int length = length(word);
                if (length <= 0) {
                    break; // nothing uncommitted is ever visible: zero or a consumed mark is "empty"
                }
                if (isMessage(word)) {
                    count++;
                }
                long next = pos;
                try {
                    next = deliver(handler, pos, at, word);
                } finally {
                    pos = next == pos ? pos + ((length + ALIGNMENT - 1) & -ALIGNMENT) : next;
                }
            }
        } finally {
            readPos = pos;
            releaseHead(pos);
        }
        return count;
    }

    /**
     * Whether the producer has published past our position (volatile read of the tail). A one-to-one
     * receiver never sleeps in the kernel ({@code receiverSleeps()} is false: its producer publishes with
     * a release store and does not read the wait word), so this is never the re-check of a sleeper.
     * {@code >}, not {@code !=}: after a producer died between its header and its tail store we may
     * have delivered past the stored tail; its successor's first commit moves the tail past us.
     */
    @Override
    boolean hasWork() {
        return (long) MappedAccess.LONG.getVolatile(buffer, tailOffset) - readPos > 0;
    }
}
