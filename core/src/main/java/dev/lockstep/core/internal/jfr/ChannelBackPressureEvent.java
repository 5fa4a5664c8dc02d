package dev.lockstep.core.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/** A channel send that waited because the ring was full; its duration is the wait. */
@Name("dev.lockstep.ChannelBackPressure")
@Label("Channel Back-Pressure")
@Category("Lockstep")
@Description("An IPC channel send that had to wait because the ring was full")
@Threshold("10 ms")
@StackTrace(true)
final class ChannelBackPressureEvent extends Event {
    private static final ChannelBackPressureEvent PROBE = new ChannelBackPressureEvent();

    @Label("Channel")
    String channel;

    @Label("Sender Class")
    Class<?> senderClass;

    @Label("Message Length")
    @DataAmount
    long length;

    @Label("Sent")
    @Description("False if the send gave up (timeout, interrupt, dead consumer)")
    boolean sent;

    static Object begin(String channel, Object sender, int length) {
        if (!PROBE.isEnabled()) {
            return null;
        }
        ChannelBackPressureEvent e = new ChannelBackPressureEvent();
        e.channel = channel;
        e.senderClass = sender.getClass();
        e.length = length;
        e.begin();
        return e;
    }

    static void end(Object event, boolean sent) {
        ChannelBackPressureEvent e = (ChannelBackPressureEvent) event;
        e.end();
        if (e.shouldCommit()) {
            e.sent = sent;
            e.commit();
        }
    }
}
