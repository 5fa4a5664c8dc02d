package dev.lockstep.core.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** An IPC structure recovered from a dead (or stalled) participant. */
@Name("dev.lockstep.IpcRecovery")
@Label("IPC Recovery")
@Category("Lockstep")
@Description("An IPC structure recovered what a dead participant left: a dead mutex owner, a dead semaphore"
        + " holder's permits, a dead or stalled producer's claim")
@StackTrace(true)
final class IpcRecoveryEvent extends Event {
    @Label("Structure Class")
    Class<?> structureClass;

    @Label("Structure")
    @Description("The structure's file or channel name")
    String structure;

    @Label("Kind")
    String kind;

    @Label("Dead Process")
    @Description("The dead participant's pid, or -1 where unknown")
    long deadPid;

    static void emit(Object structure, String name, String kind, long deadPid) {
        IpcRecoveryEvent e = new IpcRecoveryEvent();
        if (e.isEnabled()) {
            e.structureClass = structure.getClass();
            e.structure = name;
            e.kind = kind;
            e.deadPid = deadPid;
            e.commit();
        }
    }
}
