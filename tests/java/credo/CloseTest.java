package credo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** close() frees the policy and every thread's session: afterwards each
 * call is an IllegalStateException, on every thread; closing while
 * threads decide waits for their decisions under way. */
class CloseTest {
    @Test
    void decidingAfterCloseIsAnIllegalState() throws Exception {
        String app = Fixture.applicants().get(0);
        Policy p = Policy.load(Fixture.POLICY, Fixture.AS_OF);
        assertEquals(Fixture.expected().get(0), p.decide(app));
        assertFalse(p.isClosed());
        p.close();
        assertTrue(p.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.decide(app));
        assertEquals("credo: policy sme_tax_loan is closed", e.getMessage());
        assertThrows(IllegalStateException.class, () -> p.decideTyped(app));
        assertThrows(IllegalStateException.class, () -> p.decideLines(app + "\n"));
        assertThrows(IllegalStateException.class, () -> p.explain(app));
        p.close();   // twice: nothing more
        assertEquals("sme_tax_loan", p.name());   // what was read at load stays
    }

    @Test
    void closeFreesEveryThreadsSession() throws Exception {
        String app = Fixture.applicants().get(1);
        Policy p = Policy.load(Fixture.POLICY, Fixture.AS_OF);
        CountDownLatch decided = new CountDownLatch(1), closed = new CountDownLatch(1);
        AtomicReference<Throwable> after = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                assertEquals(Fixture.expected().get(1), p.decide(app));   // this thread's session
                decided.countDown();
                closed.await();
                p.decide(app);
            } catch (Throwable x) {
                after.set(x);
            }
        });
        t.start();
        decided.await();
        p.close();
        closed.countDown();
        t.join();
        assertTrue(after.get() instanceof IllegalStateException, String.valueOf(after.get()));
        // a thread that never decided gets no session either
        AtomicReference<Throwable> fresh = new AtomicReference<>();
        Thread u = new Thread(() -> {
            try {
                p.decide(app);
            } catch (Throwable x) {
                fresh.set(x);
            }
        });
        u.start();
        u.join();
        assertTrue(fresh.get() instanceof IllegalStateException, String.valueOf(fresh.get()));
    }

    @Test
    void closeWhileThreadsDecide() throws Exception {
        List<String> lines = Fixture.applicants();
        List<String> want = Fixture.expected();
        Policy p = Policy.load(Fixture.POLICY, Fixture.AS_OF);
        CountDownLatch started = new CountDownLatch(4);
        List<Thread> threads = new ArrayList<>();
        List<AtomicReference<Throwable>> ends = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            int first = k;
            AtomicReference<Throwable> end = new AtomicReference<>();
            ends.add(end);
            threads.add(new Thread(() -> {
                int n = 0;
                try {
                    for (;; n++) {   // until close stops it
                        int i = (first + 4 * n) % lines.size();
                        String got = p.decide(lines.get(i));
                        if (!got.equals(want.get(i)))
                            throw new AssertionError("line " + (i + 1) + ": " + got);
                        if (n == 100)
                            started.countDown();
                    }
                } catch (Throwable x) {
                    end.set(x);
                    if (n < 100)   // stopped early: the test fails below rather than waits
                        started.countDown();
                }
            }));
        }
        threads.forEach(Thread::start);
        started.await();
        p.close();
        for (Thread t : threads)
            t.join();
        for (AtomicReference<Throwable> end : ends)
            assertTrue(end.get() instanceof IllegalStateException, String.valueOf(end.get()));
    }

    @Test
    void anEndedThreadsSessionIsReused() throws Exception {
        String app = Fixture.applicants().get(3);
        try (Policy p = Policy.load(Fixture.POLICY, Fixture.AS_OF)) {
            assertEquals(1, p.sessionCount());   // the loading thread's
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 50; i++) {   // one thread after another, each ended before the next
                Thread t = new Thread(() -> {
                    String d = p.decide(app);
                    synchronized (got) {
                        got.add(d);
                    }
                });
                t.start();
                t.join();
            }
            assertEquals(2, p.sessionCount());
            assertEquals(50, got.size());
            for (String d : got)
                assertEquals(Fixture.expected().get(3), d);
        }
    }

    @Test
    void tryWithResourcesAndManyPolicies() throws Exception {
        String app = Fixture.applicants().get(2);
        for (int i = 0; i < 200; i++) {
            try (Policy p = Policy.load(Fixture.POLICY, Fixture.AS_OF)) {
                assertEquals(Fixture.expected().get(2), p.decide(app));
            }
        }
    }
}
