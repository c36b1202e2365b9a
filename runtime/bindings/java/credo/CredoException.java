package credo;

import java.nio.charset.StandardCharsets;

/** A policy that cannot be loaded, or an application that cannot be
 * explained.  {@link #getMessage()} is what credo check writes first:
 * {@code file:line:col: error: what} for a policy that does not compile. */
public class CredoException extends Exception {
    private static final long serialVersionUID = 1L;

    /** credo.h's error codes. */
    public enum Kind { IO, COMPILE, INPUT, RUNTIME, MEMORY, USAGE }

    private final Kind kind;
    private final String detail;
    private final String file;
    private final int line;
    private final int column;

    public CredoException(Kind kind, String detail, String file, int line, int column) {
        super(format(detail, file, line, column));
        this.kind = kind;
        this.detail = detail;
        this.file = file;
        this.line = line;
        this.column = column;
    }

    private static String format(String detail, String file, int line, int column) {
        if (file == null || line == 0)   // an IO error's detail names its file
            return detail;
        return file + ":" + line + ":" + column + ": error: " + detail;
    }

    /** Made by credo_jni.c from a credo_error. */
    static CredoException of(int code, byte[] message, byte[] file, int line, int column) {
        Kind[] kinds = Kind.values();
        Kind kind = code >= 1 && code <= kinds.length ? kinds[code - 1] : Kind.USAGE;
        return new CredoException(kind, new String(message, StandardCharsets.UTF_8),
                file == null ? null : new String(file, StandardCharsets.UTF_8), line, column);
    }

    public Kind kind() { return kind; }

    /** What went wrong, without the place. */
    public String detail() { return detail; }

    /** The policy file, or null. */
    public String file() { return file; }

    /** 1-based line in file; 0 when none. */
    public int line() { return line; }

    /** 1-based column in file; 0 when none. */
    public int column() { return column; }
}
