package credo;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A compiled credo policy: a source (.credo) or a compiled .credoc.
 *
 * <p>One Policy is shared by any number of threads: each thread decides
 * on a session of its own in the library, made on its first decision and
 * kept until {@link #close()}, which frees every session and the policy
 * (a thread that has ended leaves its session to the next new thread).
 * After close, a decision is an IllegalStateException.  A Policy never
 * closed is freed when the garbage collector finds it unreachable. */
public final class Policy implements AutoCloseable {
    /** The limits {@link #load(String, String, Map)} takes: credo.h's credo_config. */
    public static final List<String> LIMITS = List.of("max_instructions", "max_memory", "regex_match_limit",
            "regex_depth_limit", "json_max_depth", "json_max_text", "json_max_list", "max_line", "deadline_ms");

    private static final Cleaner CLEANER = Cleaner.create();

    private final State state;
    private final Cleaner.Cleanable cleanable;
    private final ThreadLocal<Session> local = new ThreadLocal<>();
    private final String path;
    private final String asOf;
    private final String[] info;
    private final Map<String, String> fields;
    private final Map<String, String> results;

    /** Loads a policy; `today` is the current date, UTC. */
    public static Policy load(String path) throws CredoException {
        return load(path, null, null);
    }

    /** Loads a policy deciding as of asOf ("YYYY-MM-DD", as credo run --as-of). */
    public static Policy load(String path, String asOf) throws CredoException {
        return load(path, asOf, null);
    }

    /** Loads a policy with limits: names from {@link #LIMITS}, each at least
     * 1 and at most its maximum (README.md, "Limits"); those not given keep
     * their defaults.  An unknown limit, a limit out of range or a bad asOf
     * is an IllegalArgumentException; a policy that does not load, a
     * CredoException (for one that does not compile, with the first
     * error's file:line:col). */
    public static Policy load(String path, String asOf, Map<String, Long> limits) throws CredoException {
        long[] config = null;
        if (limits != null) {
            config = new long[LIMITS.size()];
            for (Map.Entry<String, Long> e : limits.entrySet()) {
                int i = LIMITS.indexOf(e.getKey());
                if (i < 0)
                    throw new IllegalArgumentException("credo: unknown limit '" + e.getKey() + "' (known: " + LIMITS + ")");
                long v = e.getValue();
                if (v < 1)
                    throw new IllegalArgumentException("credo: limit " + e.getKey() + " must be at least 1");
                config[i] = v;
            }
        }
        long p = Native.policyLoad(utf8(path));
        return new Policy(path, p, asOf, config);
    }

    private Policy(String path, long p, String asOf, long[] config) {
        this.path = path;
        this.asOf = asOf;
        String[] info = new String[8];
        byte[][] raw = Native.policyInfo(p);
        for (int i = 0; i < info.length; i++)
            info[i] = raw[i] == null ? null : new String(raw[i], StandardCharsets.UTF_8);
        this.info = info;
        this.fields = names(p, false);
        this.results = names(p, true);
        this.state = new State(p, info[0], asOf == null ? null : utf8(asOf), config);
        this.cleanable = CLEANER.register(this, state);
        try {
            session();   // a bad asOf or limit fails here, not at the first decision
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static Map<String, String> names(long p, boolean results) {
        byte[][] raw = Native.policyNames(p, results);
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < raw.length; i += 2)
            m.put(new String(raw[i], StandardCharsets.UTF_8), new String(raw[i + 1], StandardCharsets.UTF_8));
        return Collections.unmodifiableMap(m);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Session session() {
        Session s = local.get();
        if (s == null) {
            s = state.newSession();
            local.set(s);
        }
        return s;
    }

    // ---- deciding ----------------------------------------------------------

    /** Decides one application (a JSON object): the decision line exactly
     * as credo run writes it for that line, without the newline.  An
     * application credo cannot decide gives its ERROR line
     * ({"app_id":...,"line":1,"decision":"ERROR","error":"field: what"}),
     * never an exception.  A newline in the text is read as JSON
     * whitespace. */
    public String decide(String application) {
        byte[] in = utf8(application);
        try {
            return new String(session().decide(in), StandardCharsets.UTF_8);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** As {@link #decide}, read into a typed {@link Decision}. */
    public Decision decideTyped(String application) {
        return Decision.parse(decide(application), results);
    }

    /** JSON lines in (one application per line), decision lines out:
     * exactly the bytes credo run writes for them, ERROR lines numbered
     * from 1. */
    public String decideLines(String lines) {
        byte[] in = utf8(lines);
        try {
            return new String(session().decideLines(in), StandardCharsets.UTF_8);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Why one application got its decision: the JSON object credo explain
     * --json writes.  A CredoException (kind INPUT or RUNTIME) when the
     * application is an ERROR. */
    public String explain(String application) throws CredoException {
        byte[] in = utf8(application);
        try {
            return new String(session().explain(in), StandardCharsets.UTF_8);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Frees every session and the policy; deciding afterwards is an
     * IllegalStateException.  Waits for decisions under way on other
     * threads; closing twice does nothing. */
    @Override
    public void close() {
        cleanable.clean();
    }

    /** How many library sessions the policy holds (for the tests). */
    int sessionCount() {
        return state.sessionCount();
    }

    /** True once {@link #close()} has run. */
    public boolean isClosed() {
        return state.isClosed();
    }

    // ---- identity ----------------------------------------------------------

    /** The library's release, e.g. "0.1.0" (as credo --version). */
    public static String libraryVersion() {
        return new String(Native.version(), StandardCharsets.UTF_8);
    }

    public String path() { return path; }

    /** The as-of date given at load, or null (today, UTC). */
    public String asOf() { return asOf; }

    public String name() { return info[0]; }

    /** The text after the name in the header, or null. */
    public String title() { return info[1]; }

    public String version() { return info[2]; }

    /** "YYYY-MM-DD", or null. */
    public String effective() { return info[3]; }

    public String owner() { return info[4]; }

    /** The SHA-256 of the source, 64 hex digits. */
    public String sha256() { return info[5]; }

    /** The SHA-256 of the compiled program: the same for a source and its .credoc. */
    public String programSha256() { return info[6]; }

    /** The id of the key that signed it, or "" (not loaded as trusted). */
    public String signedBy() { return info[7]; }

    /** The input fields, name to type ("int", "money?", "list of money"), in declaration order. */
    public Map<String, String> fields() { return fields; }

    /** The named results, name to type, in the decision line's order. */
    public Map<String, String> results() { return results; }

    @Override
    public String toString() {
        return "credo.Policy " + name() + " " + (version() == null ? "" : version()) + " (" + path + ")";
    }

    // ---- native memory -----------------------------------------------------

    /** The native policy and every session made on it: what close frees.
     * Holds no reference to the Policy, so the Cleaner can run it. */
    private static final class State implements Runnable {
        private final long policy;
        private final String name;
        private final byte[] asOf;
        private final long[] limits;
        private final List<Session> sessions = new ArrayList<>();
        private boolean closed;

        State(long policy, String name, byte[] asOf, long[] limits) {
            this.policy = policy;
            this.name = name;
            this.asOf = asOf;
            this.limits = limits;
        }

        /** A session for the calling thread: the session of a thread that
         * has ended if there is one (no one else can reach it: its
         * ThreadLocal went with the thread), else a new one. */
        synchronized Session newSession() {
            if (closed)
                throw Session.closed(name);
            Thread me = Thread.currentThread();
            for (Session s : sessions) {
                Thread owner = s.owner.get();
                if (owner == null || !owner.isAlive()) {
                    s.owner = new WeakReference<>(me);
                    return s;
                }
            }
            Session s = new Session(Native.sessionNew(policy, asOf, limits), name, me);
            sessions.add(s);
            return s;
        }

        synchronized int sessionCount() {
            return sessions.size();
        }

        synchronized boolean isClosed() {
            return closed;
        }

        /** Close: every session (each waits for its decision under way), then the policy. */
        @Override
        public synchronized void run() {
            if (closed)
                return;
            closed = true;
            for (Session s : sessions)
                s.free();
            sessions.clear();
            Native.policyFree(policy);
        }
    }

    /** One thread's session.  Its lock is held for each call, so close
     * frees it only between decisions. */
    private static final class Session {
        private long ptr;
        private final String name;
        private WeakReference<Thread> owner;   // guarded by the State

        Session(long ptr, String name, Thread owner) {
            this.ptr = ptr;
            this.name = name;
            this.owner = new WeakReference<>(owner);
        }

        static IllegalStateException closed(String name) {
            return new IllegalStateException("credo: policy " + name + " is closed");
        }

        synchronized byte[] decide(byte[] in) {
            if (ptr == 0)
                throw closed(name);
            return Native.decide(ptr, in);
        }

        synchronized byte[] decideLines(byte[] in) {
            if (ptr == 0)
                throw closed(name);
            return Native.decideLines(ptr, in);
        }

        synchronized byte[] explain(byte[] in) throws CredoException {
            if (ptr == 0)
                throw closed(name);
            return Native.explain(ptr, in);
        }

        synchronized void free() {
            if (ptr != 0) {
                Native.sessionFree(ptr);
                ptr = 0;
            }
        }
    }
}
