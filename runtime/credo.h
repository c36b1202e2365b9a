/* credo.h: the library's one public header.
 *
 * Embeds credo in a decision system: load (compile) a policy once, then
 * decide applications against it, each as a JSON line (exactly what
 * `credo run` reads) or field by field from C values.
 *
 *     credo_error err;
 *     credo_policy *p = credo_policy_load("sme_tax_loan.credo", &err);
 *     credo_session *s = credo_session_new(p, &err);
 *     credo_session_set_as_of(s, "2026-12-01");
 *     if (credo_decide_json(s, line, len, &err) == CREDO_OK)
 *         printf("%s\n", credo_outcome(s));          // APPROVE, REFER, REJECT
 *     size_t n;
 *     const char *json = credo_decision_json(s, &n); // the line credo run writes
 *     credo_session_free(s);
 *     credo_policy_free(p);
 *
 * Build with `pkg-config --cflags --libs credo`.  Linking libcredo.a
 * instead of the shared library also needs what it uses, which
 * `pkg-config --static --libs credo` lists (PCRE2, SQLite, nettle, libcsv, libm,
 * pthreads).
 *
 * Threads.  A compiled credo_policy is immutable: any number of threads
 * may share one and call the credo_policy_* getters and
 * credo_session_new on it at the same time.  A credo_session is not
 * shared: it belongs to one thread at a time (make one per thread; it may
 * move between threads with proper synchronisation, never be used by two
 * at once).  Free every session of a policy before the policy.
 *
 * Memory.  A session allocates what it needs when it is made, and its
 * buffers grow to the largest application seen; after that, deciding
 * allocates nothing (credo_result_text of a list or record excepted).
 * Strings a function returns belong to the library: a policy's stay
 * valid until credo_policy_free, a session's until the session's next
 * credo_begin, credo_decide or credo_decide_json (or credo_session_free).
 *
 * Errors.  Functions that can fail return CREDO_OK (0) or an error code
 * and, when given a credo_error, fill it in; err may be NULL. */
#ifndef CREDO_H
#define CREDO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the shared library exports: these functions and nothing else
 * (the library is built with -fvisibility=hidden and the version script
 * runtime/libcredo.map), so no internal name meets a host's. */
#if defined(__GNUC__) || defined(__clang__)
#define CREDO_API __attribute__((visibility("default")))
#else
#define CREDO_API
#endif

enum {
    CREDO_OK = 0,
    CREDO_E_IO,       /* a file cannot be read: message says why, file names it */
    CREDO_E_COMPILE,  /* the policy does not compile: the first error, at file:line:column */
    CREDO_E_INPUT,    /* a bad application: message is "<field>: <what>", as credo run writes it */
    CREDO_E_RUNTIME,  /* evaluation failed (division by zero, overflow, budget...):
                       * the policy's file:line:column and what */
    CREDO_E_MEMORY,   /* out of memory */
    CREDO_E_USAGE     /* a call that cannot be right: an unknown field, a setter of the
                       * wrong type for the field, deciding without credo_begin... */
};

typedef struct credo_error {
    int code;            /* one of the codes above */
    char message[512];   /* what went wrong, without the position */
    char file[256];      /* the policy file (IO, COMPILE, RUNTIME); "" otherwise */
    unsigned line, column;  /* 1-based place in that file; 0 when none */
} credo_error;

typedef struct credo_policy credo_policy;
typedef struct credo_session credo_session;

/* ---- policies --------------------------------------------------------------- */

/* Reads and compiles a policy file.  NULL on failure: CREDO_E_IO,
 * CREDO_E_COMPILE (the first error in source order) or CREDO_E_MEMORY.
 * Warnings do not fail; `credo check` shows them.  A .credoc written by
 * `credo compile` is read and verified instead of compiled (a damaged
 * one is CREDO_E_COMPILE, without a line). */
CREDO_API credo_policy *credo_policy_load(const char *path, credo_error *err);
/* As credo_policy_load, but only a .credoc signed by one of the Ed25519
 * public keys in the PEM files keys[0..nkeys) loads (`credo compile
 * --sign`, `credo run --trust`): a source, an unsigned .credoc or one
 * signed by another key is CREDO_E_COMPILE; a key that cannot be read is
 * CREDO_E_IO. */
CREDO_API credo_policy *credo_policy_load_trusted(const char *path, const char *const *keys, size_t nkeys, credo_error *err);
/* Compiles the policy source src[0..len); name is the file name that
 * diagnostics and run-time errors give, and the folder of name is where
 * the policy's reference tables (`lookup ... from csv "PATH"`) are read
 * from. */
CREDO_API credo_policy *credo_policy_compile(const char *name, const char *src, size_t len, credo_error *err);
CREDO_API void credo_policy_free(credo_policy *p);

/* The policy's identity, from its header.  NULL when the header has no
 * version, effective date or owner. */
CREDO_API const char *credo_policy_name(const credo_policy *p);
CREDO_API const char *credo_policy_version(const credo_policy *p);
CREDO_API const char *credo_policy_effective(const credo_policy *p);   /* "YYYY-MM-DD" */
CREDO_API const char *credo_policy_owner(const credo_policy *p);
CREDO_API const char *credo_policy_sha256(const credo_policy *p);      /* of the source, 64 hex digits */
/* What runs: the SHA-256 of the compiled program (README.md, "Compiled
 * policies"), 64 hex digits; the same for a source and its .credoc. */
CREDO_API const char *credo_policy_program_sha256(const credo_policy *p);
/* The id of the trusted key that signed it (credo_policy_load_trusted), or
 * "" when it was not loaded that way. */
CREDO_API const char *credo_policy_signed_by(const credo_policy *p);

/* Its title (the text after the name in the header), or NULL. */
CREDO_API const char *credo_policy_title(const credo_policy *p);

/* The member that names each decision line: the input's key (`input
 * NAME key FIELD`), or "app_id" when the policy declares none. */
CREDO_API const char *credo_policy_key(const credo_policy *p);

/* The fields of the policy's input, in declaration order, and the named
 * results every decision carries, in the order the decision line writes
 * them: i from 0 to count - 1, NULL past it.  A type is written as in
 * the policy: "int", "money", "text", "date", "bool", "list of money",
 * "money?", "record applicant"; a segment's result is "<segment> label"
 * ("tier label"). */
CREDO_API size_t credo_policy_field_count(const credo_policy *p);
CREDO_API const char *credo_policy_field_name(const credo_policy *p, size_t i);
CREDO_API const char *credo_policy_field_type(const credo_policy *p, size_t i);
CREDO_API size_t credo_policy_result_count(const credo_policy *p);
CREDO_API const char *credo_policy_result_name(const credo_policy *p, size_t i);
CREDO_API const char *credo_policy_result_type(const credo_policy *p, size_t i);

/* ---- the library ------------------------------------------------------------ */

/* The library's release, e.g. "0.1.0": the Makefile's VERSION, which
 * `credo --version` and credo.pc give too. */
CREDO_API const char *credo_version(void);

/* ---- limits ----------------------------------------------------------------- */

/* What one application may cost a session (README.md, "Limits").
 * credo_config_init fills in the defaults; a caller lowers what it
 * wants, never past the maximum, and passes it to credo_session_new_with.
 * Each must be at least 1. */
typedef struct credo_config {
    uint64_t max_instructions;   /* VM instructions per application: default 1,000,000, at most 1,000,000,000 */
    uint64_t max_memory;         /* bytes per application: default 64 MiB, at most 1 GiB */
    uint32_t regex_match_limit;  /* PCRE2 match limit: default 100,000, at most 10,000,000 */
    uint32_t regex_depth_limit;  /* PCRE2 depth limit: default 1,000, at most 100,000 */
    uint32_t json_max_depth;     /* nesting of objects and lists: default 64, at most 1,000 */
    uint32_t json_max_text;      /* bytes of one JSON string: default 1 MiB, at most 16 MiB */
    uint32_t json_max_list;      /* items of one JSON list: default 100,000, at most 10,000,000 */
    uint64_t max_line;           /* bytes of one JSON application: default 16 MiB, at most 64 MiB */
    uint32_t deadline_ms;        /* wall-clock milliseconds per application: default 0 (none), at most 60,000 */
} credo_config;

CREDO_API void credo_config_init(credo_config *c);
/* CREDO_OK, or CREDO_E_USAGE naming the first limit out of range:
 * "max_instructions 2000000000 is more than the maximum, 1000000000". */
CREDO_API int credo_config_check(const credo_config *c, credo_error *err);

/* ---- sessions --------------------------------------------------------------- */

/* A session decides one application at a time against p.  Its as-of date
 * (what `today` means) starts as the current date, UTC. */
CREDO_API credo_session *credo_session_new(const credo_policy *p, credo_error *err);
/* As credo_session_new, with the limits of c (NULL: the defaults); NULL
 * and CREDO_E_USAGE when a limit is out of range (credo_config_check). */
CREDO_API credo_session *credo_session_new_with(const credo_policy *p, const credo_config *c, credo_error *err);
CREDO_API void credo_session_free(credo_session *s);
/* Sets the as-of date for the following decisions, like credo run
 * --as-of: CREDO_OK, or CREDO_E_USAGE when date is not a valid
 * "YYYY-MM-DD". */
CREDO_API int credo_session_set_as_of(credo_session *s, const char *date);

/* ---- deciding --------------------------------------------------------------- */

/* Decides one application given as a JSON object (json[0..len), no
 * trailing newline needed; the library copies what it keeps).  Returns
 * CREDO_OK with a decision, or CREDO_E_INPUT, CREDO_E_RUNTIME or
 * CREDO_E_MEMORY; credo_decision_json then gives the ERROR line. */
CREDO_API int credo_decide_json(credo_session *s, const char *json, size_t len, credo_error *err);

/* Decides every application of lines[0..len), one JSON object per line
 * ('\n' ends a line; the last one needs none), in order, as credo run
 * decides a file: an empty line is an application too (an ERROR).
 * Returns the decision lines, one per application, each ended by '\n',
 * exactly what `credo run` writes for the same lines (ERROR lines
 * numbered from 1 within the batch); *out_len gets their length.  Valid
 * until the session's next call; the session's outcome, reasons and
 * results are those of the last application.  *errors (may be NULL)
 * gets the number of ERROR lines.  NULL only when memory runs out
 * (CREDO_E_MEMORY) or s is NULL. */
CREDO_API const char *credo_decide_lines(credo_session *s, const char *lines, size_t len, size_t *out_len,
                                         size_t *errors, credo_error *err);

/* Many applications given column by column (a data frame's columns):
 * one credo_column per input field, each holding that field's value for
 * every row.  Row i is the JSON application made of each column's value
 * at row i, written as below, and it is decided as credo_decide_json
 * decides that text: the same reader, checks, messages and decision as
 * `credo run` on that line.
 *
 *   type                       values                    row i's JSON value
 *   CREDO_COLUMN_INT64         const int64_t[rows]       the integer (null where nulls[i])
 *   CREDO_COLUMN_DOUBLE        const double[rows]        the shortest decimal that reads back as
 *                                                        the double, as Python's repr and json.dumps
 *                                                        write it ("0.1", "79000.0", "1e-05"); NaN
 *                                                        is null; an infinity the text "inf" or
 *                                                        "-inf", which no number field takes
 *   CREDO_COLUMN_BOOL          const uint8_t[rows]       true (nonzero) or false (null where nulls[i])
 *   CREDO_COLUMN_TEXT          const char *const[rows]   the UTF-8 text as a JSON string; NULL is null
 *   CREDO_COLUMN_JSON          const char *const[rows]   the JSON value as it is (one value, as
 *                                                        credo_set_json takes it); NULL is null
 *   CREDO_COLUMN_DOUBLE_LIST   const double[]            a list of the doubles values[offsets[i] ..
 *                                                        offsets[i + 1]), each as DOUBLE writes it */
enum {
    CREDO_COLUMN_INT64 = 1,
    CREDO_COLUMN_DOUBLE,
    CREDO_COLUMN_BOOL,
    CREDO_COLUMN_TEXT,
    CREDO_COLUMN_JSON,
    CREDO_COLUMN_DOUBLE_LIST
};

typedef struct credo_column {
    const char *field;        /* the input field, by its name in the policy; or "app_id" */
    int type;                 /* CREDO_COLUMN_... */
    const void *values;       /* as the table above says */
    const uint8_t *nulls;     /* INT64 and BOOL: NULL, or a byte per row, nonzero for null; else unused */
    const int64_t *offsets;   /* DOUBLE_LIST: rows + 1 offsets into values; else unused */
} credo_column;

/* Decides the rows applications of columns[0..ncolumns) and returns
 * their decisions column by column, one JSON object:
 *
 *   {"app_id":[...],"decision":[...],"reasons":[[...],...],"error":[...],"<result>":[...],...}
 *
 * with a list per member, one item per row, in row order: the first
 * member is the policy's input key (credo_policy_key); then the
 * decision ("APPROVE", "REFER", "REJECT" or "ERROR"), the reasons (a
 * list of codes; [] for an ERROR), the error (null, or an ERROR's
 * message as credo run writes it: "<field>: <what>"), and each named
 * result in the decision line's order, as the decision line writes it
 * (null for an ERROR) except that a decimal (number, money, rate) is a
 * JSON string of its exact text ("4.20"), so a reader keeps it exact
 * without a float parser.  *out_len gets its length, *errors (may be
 * NULL) the number of ERROR rows.  Valid until the session's next call;
 * the session's outcome, reasons and results are then no decision's.
 * NULL when memory runs out (CREDO_E_MEMORY), or CREDO_E_USAGE: s
 * NULL, a column with no field or values, an unknown type, a
 * DOUBLE_LIST without offsets. */
CREDO_API const char *credo_decide_columns(credo_session *s, const credo_column *columns, size_t ncolumns,
                                           size_t rows, size_t *out_len, size_t *errors, credo_error *err);

/* Why one application got its decision: the same JSON object as `credo
 * explain --json` (without the newline); *out_len gets its length.
 * Valid until the session's next call.  NULL when the application is an
 * ERROR (err says why, as credo_decide_json) or memory runs out.  The
 * session's decision is then this application's. */
CREDO_API const char *credo_explain_json(credo_session *s, const char *json, size_t len, size_t *out_len,
                                         credo_error *err);

/* Field by field: credo_begin forgets the previous application, each
 * credo_set_* gives one input field (by its name in the policy's input
 * block), credo_decide decides.  Setting a field again replaces its
 * value; optional fields never set are null; a required one never set
 * is CREDO_E_INPUT "<field>: required field is missing".
 *
 * A setter returns CREDO_OK or its error code; the first error is also
 * kept and returned (with its message) by credo_decide, so a caller may
 * check once.  CREDO_E_USAGE: no credo_begin, an unknown field, or a
 * setter that does not fit the field's type (credo_set_int on a text
 * field).  CREDO_E_INPUT: a value the field cannot take (a decimal text
 * that is not a number, invalid UTF-8, null for a required field, JSON of
 * the wrong shape), with the same message credo run would give.
 *
 * "app_id" is always accepted: as in a JSON application it names the
 * application in the decision line, and also fills the field when the
 * input declares one.  A policy whose input declares a key (`input NAME
 * key FIELD`) is named by that field instead, and "app_id" is then only
 * a field like any other. */
CREDO_API void credo_begin(credo_session *s);
/* An int or decimal field. */
CREDO_API int credo_set_int(credo_session *s, const char *field, int64_t value);
/* An int or decimal field from the number's text, exactly ("1234.50"
 * keeps its scale); an int field takes integral values ("12", "1e2"). */
CREDO_API int credo_set_decimal(credo_session *s, const char *field, const char *text);
/* A text field (UTF-8), or a date field ("YYYY-MM-DD"). */
CREDO_API int credo_set_text(credo_session *s, const char *field, const char *text);
/* A bool field: 0 is false, anything else true. */
CREDO_API int credo_set_bool(credo_session *s, const char *field, int value);
/* A date field, "YYYY-MM-DD". */
CREDO_API int credo_set_date(credo_session *s, const char *field, const char *date);
/* An optional field (T?): null. */
CREDO_API int credo_set_null(credo_session *s, const char *field);
/* The field's value as JSON text (NUL-terminated), exactly as it would
 * appear in a JSON application: for lists and records, or any field. */
CREDO_API int credo_set_json(credo_session *s, const char *field, const char *json);
/* Decides the application given field by field. */
CREDO_API int credo_decide(credo_session *s, credo_error *err);

/* ---- reading the decision --------------------------------------------------- */

/* "APPROVE", "REFER" or "REJECT"; "ERROR" when the last decision failed;
 * NULL when nothing was decided since credo_session_new or credo_begin. */
CREDO_API const char *credo_outcome(const credo_session *s);
/* The decision's reasons (codes and texts), in order; 0 and NULL when
 * there is no decision or i is out of range. */
CREDO_API size_t credo_reason_count(const credo_session *s);
CREDO_API const char *credo_reason(const credo_session *s, size_t i);

/* Returned by credo_result_text for a result that is not there. */
#define CREDO_NO_RESULT (-1)   /* no such named result, or no decision */
#define CREDO_NULL_RESULT (-2) /* the result is null (buf gets "") */

/* A named result (`limit = ...` in the policy; also each scorecard total
 * and segment label) as text: decimals exactly with their scale
 * ("4.20"), texts and labels as they are, dates "YYYY-MM-DD", bools
 * true/false, lists and records as JSON.  Like snprintf: writes at most
 * size - 1 bytes and a NUL, returns the full length (>= size: cut
 * short); or CREDO_NO_RESULT or CREDO_NULL_RESULT. */
CREDO_API int credo_result_text(const credo_session *s, const char *name, char *buf, size_t size);
/* A named result that is an int, or a decimal with no fraction (300000.00):
 * CREDO_OK and *out, or CREDO_E_USAGE (no such result, no decision, null,
 * not integral or out of range). */
CREDO_API int credo_result_int(const credo_session *s, const char *name, int64_t *out);

/* The decision exactly as `credo run` writes it, without the newline:
 * {"app_id":...,"decision":...,"reasons":[...],<results>}, or after a
 * failed decision {"app_id":...,"line":N,"decision":"ERROR","error":"..."}
 * where N counts the decisions made on this session, from 1 (credo run's
 * line number when each input line is decided in order).  *len gets its
 * length (len may be NULL).  NULL when nothing was decided. */
CREDO_API const char *credo_decision_json(const credo_session *s, size_t *len);

#ifdef __cplusplus
}
#endif

#endif
