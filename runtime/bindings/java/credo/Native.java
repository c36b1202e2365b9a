package credo;

/** The functions of credo_jni.c, each over one of runtime/credo.h's.
 * Texts cross as UTF-8 bytes.  The library is credo.jni.library (a
 * system property: the path of libcredo_jni.so), else the environment's
 * CREDO_JNI_LIBRARY, else libcredo_jni.so on java.library.path. */
final class Native {
    private Native() {}

    static {
        String path = System.getProperty("credo.jni.library");
        if (path == null || path.isEmpty())
            path = System.getenv("CREDO_JNI_LIBRARY");
        if (path != null && !path.isEmpty())
            System.load(new java.io.File(path).getAbsolutePath());
        else
            System.loadLibrary("credo_jni");
    }

    static native byte[] version();

    static native long policyLoad(byte[] path) throws CredoException;

    static native void policyFree(long policy);

    /** name, title, version, effective, owner, sha256, program_sha256, signed_by */
    static native byte[][] policyInfo(long policy);

    /** name, type, name, type... of the input fields or the named results */
    static native byte[][] policyNames(long policy, boolean results);

    /** limits: credo_config's nine fields in credo.h's order, 0 for a
     * default; null for all defaults. */
    static native long sessionNew(long policy, byte[] asOf, long[] limits);

    static native void sessionFree(long session);

    static native byte[] decide(long session, byte[] application);

    static native byte[] decideLines(long session, byte[] lines);

    static native byte[] explain(long session, byte[] application) throws CredoException;
}
