package dev.lockstep.ipc.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The ledger of the fault tests finds each kind of broken invariant, and accepts the allowed cases. */
class DeliveriesTest {
    private static Deliveries twoProducers() {
        Deliveries d = new Deliveries();
        d.sendsReturned(1, 3); // 1/0, 1/1, 1/2 returned; 1/3 may have been in flight
        d.sendsReturned(2, 2);
        return d;
    }

    @Test
    void exactlyOnceInOrderIsClean() {
        Deliveries d = twoProducers();
        d.delivered("a", 1, 0, 5);
        d.delivered("b", 2, 0, 5);
        d.delivered("a", 1, 1, 5);
        d.delivered("a", 2, 1, 5);
        d.delivered("b", 1, 2, 7);
        d.delivered("b", 1, 3, 7); // in flight when its producer died: may be delivered once
        assertEquals(List.of(), d.problems());
    }

    @Test
    void lossDuplicatesInventionsAndInversionsAreFound() {
        Deliveries d = twoProducers();
        d.delivered("a", 1, 1, 5);
        d.delivered("a", 1, 0, 5); // inversion, not given back
        d.delivered("b", 1, 1, 5); // duplicate
        d.delivered("b", 1, 4, 5); // never sent (sends returned: 3, so 4 cannot exist)
        d.delivered("b", 2, 0, 5);
        List<String> p = d.problems();
        assertTrue(p.stream().anyMatch(s -> s.startsWith("lost: message 1/2")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("lost: message 2/1")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("duplicate: message 1/1")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("1/4, never sent")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("message 0 after 1")), p.toString());
        assertEquals(5, p.size(), p.toString());
    }

    @Test
    void messagesInAKilledConsumersHandsAndGiveBacks() {
        Deliveries d = twoProducers();
        d.delivered("a", 1, 0, 5);
        d.inHand(1, 1); // copied whole by a consumer killed before it logged it: delivered to it
        d.delivered("b", 1, 2, 5);
        d.delivered("b", 2, 1, 5);
        d.givenBack(2, 0); // copy unfinished: must be delivered elsewhere, may come late
        d.delivered("b", 2, 0, 5);
        assertEquals(List.of(), d.problems());
        Deliveries e = twoProducers();
        e.givenBack(1, 2); // a partial copy does not count as a delivery
        e.delivered("a", 1, 0, 5);
        e.delivered("a", 1, 1, 5);
        e.delivered("a", 2, 0, 5);
        e.delivered("a", 2, 1, 5);
        assertEquals(1, e.problems().size(), e.problems().toString());
        e.delivered("a", 2, 0, 5); // an unidentified inversion (and a duplicate) ...
        e.allowUnidentifiedGiveBacks(1); // ... the inversion is tolerated once allowed, the duplicate never
        assertTrue(e.problems().stream().anyMatch(s -> s.startsWith("duplicate")), e.problems().toString());
        assertTrue(e.problems().stream().noneMatch(s -> s.contains("after")), e.problems().toString());
    }
}
