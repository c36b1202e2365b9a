/* credo audit LOG verify|anchor|show APP_ID|stats: checks and reads a
 * decision log written by `credo run --log` (runtime/audit/decision_log.h).
 *
 * The log is opened read-only: auditing never changes what it audits. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cli/cli.h"
#include "runtime/core/date.h"
#include "runtime/decide.h"
#include "runtime/audit/decision_log.h"

static const char usage_audit[] =
    "usage: credo audit LOG verify [--key KEYFILE] [--trust PUB.pem]\n"
    "                              [--head SEQ:HASH | --checkpoint FILE]\n"
    "       credo audit LOG anchor [--key KEYFILE] [--trust PUB.pem] [--sign KEY.pem]\n"
    "       credo audit LOG show APP_ID [--key KEYFILE]\n"
    "       credo audit LOG stats\n"
    "\n"
    "Checks and reads a decision log written by `credo run --log LOG`.\n"
    "\n"
    "  verify        walk the log: each row must match its row_hash (with\n"
    "                --key, the MAC of a keyed log) and link to the row before,\n"
    "                seq must have no gaps, a superseding row must name an\n"
    "                earlier decision of the same application, each stored\n"
    "                policy source and data set must match its sha256, each\n"
    "                signed checkpoint must hold.  Prints \"N decisions verified\"\n"
    "                and the head (log id, seq, row_hash), or names the first\n"
    "                row altered, missing or out of order\n"
    "    --key KEYFILE       the key of a keyed log (credo run --log-key); a\n"
    "                        keyed log cannot be verified without it\n"
    "    --trust PUB.pem     every checkpoint (and a signed anchor) must be signed\n"
    "                        by this Ed25519 public key, and there must be one\n"
    "    --head SEQ:HASH     the row_hash that seq had, kept elsewhere\n"
    "    --checkpoint FILE   an anchor file written by `anchor`: the log must\n"
    "                        reach its seq with its head (rows cut from the end\n"
    "                        show only this way)\n"
    "  anchor        verify, then print the head as a small text file to keep\n"
    "                somewhere else (--sign KEY.pem: signed with that Ed25519\n"
    "                private key)\n"
    "  show APP_ID   the application's logged decisions: the policy that decided,\n"
    "                the source lines of the rules that fired, what it supersedes,\n"
    "                and a replay (the stored source recompiled, the stored\n"
    "                application decided again as of the stored date), which must\n"
    "                give the same line\n"
    "  stats         counts by policy version, outcome and reason\n"
    "\n"
    "exit status: 0 intact (verify, anchor) or identical (show), 1 a fault (the\n"
    "message names the first row affected), a wrong or missing key, a replay\n"
    "difference, or a file that cannot be read, 2 usage.\n";

/* ---- small helpers ------------------------------------------------------------- */

static int db_error(cr_dlog *l)
{
    fprintf(stderr, "credo audit: %s: %s\n", cr_dlog_path(l), sqlite3_errmsg(cr_dlog_db(l)));
    return 1;
}

static sqlite3_stmt *prepare(cr_dlog *l, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(cr_dlog_db(l), sql, -1, &st, NULL) != SQLITE_OK) {
        db_error(l);
        return NULL;
    }
    return st;
}

/* A text column; NULL stays NULL. */
static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* ---- stored policies ----------------------------------------------------------- */

typedef struct stored_policy {
    char *sha256, *name, *version, *effective, *owner, *file;
    cr_program *prog;            /* the source recompiled; NULL if it no longer compiles */
} stored_policy;

static void stored_policy_free(stored_policy *sp)
{
    free(sp->sha256);
    free(sp->name);
    free(sp->version);
    free(sp->effective);
    free(sp->owner);
    free(sp->file);
    cr_program_free(sp->prog);
    memset(sp, 0, sizeof *sp);
}

/* Compiles a stored source under its stored file name, so run-time error
 * places come out as they did when it was logged.  Diagnostics are
 * printed only when asked. */
static cr_program *compile_stored(const char *file, const char *src, size_t len, bool print)
{
    cr_diags d;
    cr_diags_init(&d, file, src, len);
    cr_program *p = cr_compile(file, src, len, &d);
    if (!p && print)
        cr_diags_print(&d, stderr);
    cr_diags_free(&d);
    return p;
}

/* Fills sp from the current row of
 * SELECT sha256, name, version, effective, owner, file, source. */
static bool read_policy_row(sqlite3_stmt *st, stored_policy *sp, bool print)
{
    sp->sha256 = dup_or_null(col_text(st, 0));
    sp->name = dup_or_null(col_text(st, 1));
    sp->version = dup_or_null(col_text(st, 2));
    sp->effective = dup_or_null(col_text(st, 3));
    sp->owner = dup_or_null(col_text(st, 4));
    sp->file = strdup(col_text(st, 5) ? col_text(st, 5) : "policy.credo");
    const char *src = col_text(st, 6);
    if (src)
        sp->prog = compile_stored(sp->file, src, (size_t)sqlite3_column_bytes(st, 6), print);
    return sp->sha256 && sp->file;
}

static const char policy_cols[] = "SELECT sha256, name, version, effective, owner, file, source FROM policies";

/* The policy with this sha256; false (reported) when it is not stored. */
static bool load_policy(cr_dlog *l, const char *sha, stored_policy *sp)
{
    char sql[160];
    snprintf(sql, sizeof sql, "%s WHERE sha256 = ?1", policy_cols);
    sqlite3_stmt *st = prepare(l, sql);
    if (!st)
        return false;
    sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    bool ok = false;
    if (rc == SQLITE_ROW) {
        ok = read_policy_row(st, sp, true);
        if (ok && !sp->prog)
            fprintf(stderr, "credo audit: %s: policy %s does not compile with this credo\n", cr_dlog_path(l), sha);
    } else if (rc == SQLITE_DONE) {
        fprintf(stderr, "credo audit: %s: policy %s is not in the log\n", cr_dlog_path(l), sha);
    } else {
        db_error(l);
    }
    sqlite3_finalize(st);
    return ok;
}

/* ---- verify -------------------------------------------------------------------- */

/* The identity columns are not in the hash chain; they must say what the
 * (hash-checked) source says.  Returns 0 fine, 1 a mismatch (printed),
 * -1 a database error. */
static int check_identity(const stored_policy *sp)
{
    const cr_program *p = sp->prog;
    char eff[16];
    if (p->has_effective)
        cr_date_format(p->effective, eff);
    const char *cols[] = {"name", "version", "effective", "owner"};
    const char *stored[] = {sp->name, sp->version, sp->effective, sp->owner};
    const char *actual[] = {p->name, p->version, p->has_effective ? eff : NULL, p->owner};
    for (int i = 0; i < 4; i++) {
        if (same_text(stored[i], actual[i]))
            continue;
        printf("policy %s (%s): altered: its %s column says %s, its source says %s\n", sp->sha256, p->name, cols[i],
               stored[i] ? stored[i] : "nothing", actual[i] ? actual[i] : "nothing");
        return 1;
    }
    return 0;
}

static int check_identities(cr_dlog *l)
{
    sqlite3_stmt *st = prepare(l, policy_cols);
    if (!st)
        return -1;
    int rc, bad = 0;
    while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        stored_policy sp = {0};
        if (!read_policy_row(st, &sp, false)) {
            fprintf(stderr, "credo audit: %s: out of memory\n", cr_dlog_path(l));
            bad = -1;
        } else if (!sp.prog) {
            /* an old policy the language has outgrown: its hash still holds */
            fprintf(stderr,
                    "credo audit: %s: note: policy %s does not compile with this credo; its name, version,"
                    " effective date and owner are not checked\n",
                    cr_dlog_path(l), sp.sha256);
        } else {
            bad = check_identity(&sp);
        }
        stored_policy_free(&sp);
    }
    if (!bad && rc != SQLITE_DONE)
        bad = -1, db_error(l);
    sqlite3_finalize(st);
    return bad;
}

/* The triggers only stop mistakes, but their absence says someone with
 * the sqlite3 tool went around them: worth a word, not a failure. */
static void note_missing_triggers(cr_dlog *l)
{
    int want = cr_dlog_schema(l) >= 3 ? 4 : 2;
    sqlite3_stmt *st = prepare(l, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN"
                                  " ('decisions_no_update', 'decisions_no_delete', 'checkpoints_no_update',"
                                  " 'checkpoints_no_delete')");
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) != want)
        fprintf(stderr, "credo audit: %s: note: the append-only triggers have been dropped\n", cr_dlog_path(l));
    sqlite3_finalize(st);
}

/* What verify and anchor are given besides the log. */
typedef struct audit_opts {
    const char *key, *trust, *head, *checkpoint, *sign;
    cr_dlog_key key_bytes;
    cr_ed25519_key trust_key, sign_key;
    cr_dlog_anchor anchor;
} audit_opts;

/* Walks the log; prints the first fault to out, or nothing.  0 intact,
 * 1 not. */
static int verify_log(cr_dlog *l, audit_opts *o, cr_dlog_verdict *v, FILE *out)
{
    cr_dlog_check c = {.trust = o->trust ? o->trust_key.pub : NULL,
                       .anchor = o->head || o->checkpoint ? &o->anchor : NULL};
    note_missing_triggers(l);
    if (!cr_dlog_verify(l, &c, v)) {
        fprintf(stderr, "credo audit: %s\n", cr_dlog_errmsg(l));
        return 1;
    }
    if (!v->intact) {
        fprintf(out, "%s\n", v->what);
        if (v->seq > 0)
            fprintf(out, "verification FAILED: %" PRIu64 " rows intact before it\n", v->rows);
        else
            fprintf(out, "verification FAILED\n");
        return 1;
    }
    return check_identities(l) ? 1 : 0;
}

static int cmd_verify(cr_dlog *l, audit_opts *o)
{
    cr_dlog_verdict v;
    if (verify_log(l, o, &v, stdout))
        return 1;
    char key_id[17];
    printf("%" PRIu64 " decisions verified", v.rows);
    if (cr_dlog_keyed(l, key_id))
        printf(", every row's MAC with key id %s", key_id);
    if (v.checkpoints)
        printf(", %u signed checkpoint%s%s", v.checkpoints, v.checkpoints == 1 ? "" : "s",
               o->trust ? " by the trusted key" : "");
    if (o->head || o->checkpoint)
        printf(", the anchor's head at seq %" PRId64 " matches", o->anchor.seq);
    printf("\n");
    if (cr_dlog_schema(l) >= 3)
        printf("head: log %s, seq %" PRId64 ", row_hash %s\n", cr_dlog_id(l), v.head_seq, v.head_hash);
    else if (v.rows)
        printf("last row: seq %" PRId64 ", row_hash %s\n", v.head_seq, v.head_hash);
    for (const char *p = v.notes; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        printf("note: %.*s\n", (int)n, p);
        p += n + (nl != NULL);
    }
    return 0;
}

/* Verifies, then prints the head to keep elsewhere. */
static int cmd_anchor(cr_dlog *l, audit_opts *o)
{
    cr_dlog_verdict v;
    if (cr_dlog_schema(l) < 3) {
        fprintf(stderr, "credo audit: %s: a log of schema %d has no id to anchor; verify prints its last row_hash\n",
                cr_dlog_path(l), cr_dlog_schema(l));
        return 1;
    }
    /* stdout is the anchor: a fault goes to stderr */
    int rc = verify_log(l, o, &v, stderr);
    if (rc)
        return rc;
    if (v.head_seq == 0) {
        fprintf(stderr, "credo audit: %s: the log has no decisions yet: nothing to anchor\n", cr_dlog_path(l));
        return 1;
    }
    char text[1024];
    if (!cr_dlog_anchor_text(&v.head, o->sign ? &o->sign_key : NULL, text, sizeof text)) {
        fprintf(stderr, "credo audit: out of memory\n");
        return 1;
    }
    fputs(text, stdout);
    return 0;
}

/* ---- show ---------------------------------------------------------------------- */

enum { C_SEQ, C_APP_ID, C_POLICY, C_AS_OF, C_APPLICATION, C_OUTCOME, C_REASONS, C_RESULTS, C_FIRED, C_DECIDED_BY,
       C_CREATED_AT, C_DATA, C_SUPERSEDES, C_PROGRAM, C_SUPERSEDED_BY };

/* The source lines a span covers, indented, with their line numbers. */
static void print_span_lines(const cr_program *p, cr_span sp)
{
    size_t start = sp.start < p->len ? sp.start : p->len;
    size_t end = sp.end > sp.start && sp.end <= p->len ? sp.end - 1 : start;
    while (start > 0 && p->src[start - 1] != '\n')
        start--;
    uint32_t line, col;
    cr_source_linecol(p->src, p->len, (uint32_t)start, &line, &col);
    while (start <= end && start < p->len) {
        size_t e = start;
        while (e < p->len && p->src[e] != '\n')
            e++;
        printf("      %s:%u: %.*s\n", p->file, line++, (int)(e - start), p->src + start);
        start = e + 1;
    }
}

/* Each fired code and the source of the rules that carry it. */
static int print_fired(cr_dlog *l, const char *fired, const cr_program *p)
{
    sqlite3_stmt *st = prepare(l, "SELECT value FROM json_each(?1)");
    if (!st)
        return 1;
    sqlite3_bind_text(st, 1, fired ? fired : "[]", -1, SQLITE_STATIC);
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *code = col_text(st, 0);
        printf("%s%s\n", n++ ? "            " : "  fired     ", code ? code : "?");
        bool found = false;
        for (uint32_t i = 0; p && code && i < p->nrules; i++)
            if (strcmp(p->rules[i].code, code) == 0) {
                print_span_lines(p, p->rules[i].span);
                found = true;
            }
        if (p && !found)
            printf("      (no rule %s in the policy's source)\n", code ? code : "?");
    }
    if (n == 0 && rc == SQLITE_DONE)
        printf("  fired     no rule\n");
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_error(l);
}

/* The "line" of a logged ERROR line, so a replayed ERROR names the same
 * one.  The first `,"line":` is the key: inside a JSON string a quote
 * would be escaped. */
static uint64_t logged_line(const char *results)
{
    const char *k = results ? strstr(results, ",\"line\":") : NULL;
    return k ? strtoull(k + 8, NULL, 10) : 1;
}

/* The budget of a logged budget ERROR; otherwise the decision finished
 * within its run's budget, so any larger budget replays it the same. */
static uint64_t logged_budget(const char *results)
{
    const char *k = results ? strstr(results, "instruction budget of ") : NULL;
    uint64_t n = k ? strtoull(k + 22, NULL, 10) : 0;
    return n ? n : UINT64_C(1) << 62;
}

/* Index of the first differing byte. */
static size_t first_difference(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0;
    while (i < an && i < bn && a[i] == b[i])
        i++;
    return i;
}

/* Decides the stored application again.  The logged line may carry
 * --explain, the challenger's "policy"/"version" and what credo serve
 * adds to its answers: each way is tried.
 * Returns 0 identical, 1 different (printed), -1 could not replay. */
static int replay(const stored_policy *sp, const char *application, size_t app_len, const char *as_of,
                  const char *results, size_t results_len)
{
    int64_t today;
    if (!as_of || !cr_date_parse(as_of, strlen(as_of), &today)) {
        printf("replay: impossible: the logged as_of is not a date\n");
        return 1;
    }
    cr_session_limits lim = CR_SESSION_LIMITS_DEFAULT;
    lim.max_instructions = logged_budget(results);
    cr_session *s = cr_session_new(sp->prog, &lim);
    char *line = malloc(app_len ? app_len : 1);
    cr_buf out = {0};
    if (!s || !line) {
        cr_session_free(s);
        free(line);
        fprintf(stderr, "credo audit: out of memory\n");
        return -1;
    }
    memcpy(line, application, app_len);  /* the reader's texts point into it */
    s->today = today;
    uint64_t lineno = logged_line(results);
    bool same = false;
    for (int explain = 0; explain < 2 && !same; explain++)
        for (int tag = 0; tag < 6 && !same; tag++) {
            /* none; run's challenger tag; credo serve's, without an arm and with each */
            static const char *const arms[] = {NULL, "champion", "challenger", "shadow"};
            cr_decided d;
            out.len = 0;
            cr_decide(s, line, app_len, &out, &(cr_decide_opts){.line = lineno, .explain = explain}, &d);
            if (tag == 1)
                cr_cli_tag_policy(&out, 0, sp->prog);
            else if (tag > 1)
                cr_cli_tag_served(&out, 0, sp->prog, arms[tag - 2]);
            same = out.len == results_len + 1 && memcmp(out.p, results, results_len) == 0;
        }
    if (same) {
        printf("replay: identical\n");
    } else {
        cr_decided d;
        out.len = 0;
        cr_decide(s, line, app_len, &out, &(cr_decide_opts){.line = lineno}, &d);
        size_t shown = out.len ? out.len - 1 : 0;  /* the plain line, without --explain */
        printf("replay: DIFFERENT, from byte %zu\n", first_difference(results, results_len, out.p, shown));
        printf("  logged    %.*s\n", (int)results_len, results);
        printf("  replayed  %.*s\n", (int)shown, out.p);
    }
    cr_buf_free(&out);
    cr_session_free(s);
    free(line);
    return same ? 0 : 1;
}

static void print_identity(const stored_policy *sp)
{
    printf("  policy    %s %s", sp->name ? sp->name : "?", sp->version ? sp->version : "(no version)");
    if (sp->effective)
        printf(", effective %s", sp->effective);
    if (sp->owner)
        printf(", owner %s", sp->owner);
    printf("\n            sha256 %s, first logged from %s\n", sp->sha256, sp->file);
}

/* The program that ran (schema 3 logs record it), and whether this credo
 * compiles the stored source, with the reference tables as they are
 * today, to the same program: a different compiler or changed tables
 * give another hash, and the replay then says whether the decision is
 * still the same. */
static void print_program(const char *logged, const cr_program *now)
{
    if (!logged)
        return;
    printf("  program   sha256 %s", logged);
    if (!now)
        printf("\n");
    else if (strcmp(now->program_sha256, logged) == 0)
        printf(", compiled again: the same program\n");
    else
        printf(", compiled again: ANOTHER PROGRAM, sha256 %s\n", now->program_sha256);
}

/* The reference tables the decision was made with, as logged, each with
 * whether the file the policy reads today still hashes the same: a
 * replay decides with today's files.  Returns 0 all the same (or none),
 * 1 some differ or are missing (printed, a note: the replay says whether
 * it matters), -1 a database error. */
static int print_data(cr_dlog *l, const char *data_sha256, const cr_program *now)
{
    if (!data_sha256) {
        if (now && now->nlookups)
            printf("  data      none logged, though the policy reads reference tables (a schema 1 log)\n");
        return now && now->nlookups ? 1 : 0;
    }
    sqlite3_stmt *st = prepare(l, "SELECT json_extract(j.value, '$.lookup'), json_extract(j.value, '$.from'),"
                                  " json_extract(j.value, '$.path'), json_extract(j.value, '$.table'),"
                                  " json_extract(j.value, '$.sha256')"
                                  " FROM data d, json_each(d.tables) j WHERE d.sha256 = ?1 ORDER BY j.key");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, data_sha256, -1, SQLITE_STATIC);
    int rc, n = 0, changed = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = col_text(st, 0), *from = col_text(st, 1), *path = col_text(st, 2),
                   *table = col_text(st, 3), *sha = col_text(st, 4);
        printf("%s%s from %s %s%s%s, sha256 %s\n", n++ ? "            " : "  data      ", name ? name : "?",
               from ? from : "?", path ? path : "?", table ? " table " : "", table ? table : "", sha ? sha : "?");
        const cr_lookup_info *lk = NULL;
        for (uint32_t i = 0; now && name && i < now->nlookups; i++)
            if (strcmp(now->lookups[i].name, name) == 0)
                lk = &now->lookups[i];
        if (now && (!lk || !sha || strcmp(lk->sha256, sha) != 0)) {
            changed = 1;
            if (lk)
                printf("            CHANGED since: the file read today has sha256 %s\n", lk->sha256);
            else
                printf("            not read by the policy today\n");
        }
    }
    if (rc != SQLITE_DONE) {
        db_error(l);
        sqlite3_finalize(st);
        return -1;
    }
    if (n == 0)
        printf("  data      %s: NOT IN THE LOG\n", data_sha256), changed = 1;
    sqlite3_finalize(st);
    return changed;
}

/* One logged decision: who decided, on what, why, and its replay. */
/* What the row's hash says: 0 it matches, 1 it does not (printed). */
static int print_row_hash(cr_dlog *l, int64_t seq)
{
    int intact = cr_dlog_row_intact(l, seq);
    if (intact < 0)
        return db_error(l);
    printf("  row_hash  %s\n",
           intact == 1 ? "matches the row (the whole chain: credo audit LOG verify)"
           : intact == 2 ? "not checked: a keyed log, and not its key (--key KEYFILE)"
                         : "DOES NOT MATCH the row: it was altered");
    return intact == 0;
}

/* One logged decision: who decided, on what, why, and its replay. */
static int show_row(cr_dlog *l, sqlite3_stmt *st)
{
    int64_t seq = sqlite3_column_int64(st, C_SEQ);
    const char *app_id = col_text(st, C_APP_ID), *by = col_text(st, C_DECIDED_BY), *as_of = col_text(st, C_AS_OF),
               *created = col_text(st, C_CREATED_AT), *policy = col_text(st, C_POLICY);
    const char *application = col_text(st, C_APPLICATION), *results = col_text(st, C_RESULTS);
    size_t application_len = (size_t)sqlite3_column_bytes(st, C_APPLICATION);
    size_t results_len = (size_t)sqlite3_column_bytes(st, C_RESULTS);
    printf("seq %lld: %s, decided by %s as of %s, logged %s\n", (long long)seq, app_id ? app_id : "?",
           by ? by : "?", as_of ? as_of : "?", created ? created : "?");
    if (sqlite3_column_type(st, C_SUPERSEDES) != SQLITE_NULL)
        printf("  supersedes seq %lld (decided before from another application line, reference data or decision"
               " line)\n",
               (long long)sqlite3_column_int64(st, C_SUPERSEDES));
    if (sqlite3_column_type(st, C_SUPERSEDED_BY) != SQLITE_NULL)
        printf("  superseded by seq %lld\n", (long long)sqlite3_column_int64(st, C_SUPERSEDED_BY));
    stored_policy sp = {0};
    if (!policy || !load_policy(l, policy, &sp)) {
        stored_policy_free(&sp);
        return 1;
    }
    print_identity(&sp);
    print_program(col_text(st, C_PROGRAM), sp.prog);
    printf("  decision  %s\n", results ? results : "?");
    int bad = print_row_hash(l, seq);
    int data = print_data(l, col_text(st, C_DATA), sp.prog);
    bad |= data < 0;
    bad |= print_fired(l, col_text(st, C_FIRED), sp.prog);
    if (data > 0)
        printf("replay: with the reference tables as they are today, not as logged\n");
    if (sp.prog && application && results)
        bad |= replay(&sp, application, application_len, as_of, results, results_len) != 0;
    else
        bad = 1, printf("replay: impossible\n");
    stored_policy_free(&sp);
    return bad;
}

static int cmd_show(cr_dlog *l, const char *app_id)
{
    static const char cols[] = "SELECT seq, app_id, policy_sha256, as_of, application, outcome, reasons, results,"
                               " fired, decided_by, created_at, data_sha256, supersedes, program_sha256, ";
    char sql[600];
    if (cr_dlog_schema(l) >= 3)
        snprintf(sql, sizeof sql,
                 "%s (SELECT min(s.seq) FROM main.decisions s WHERE s.app_id = ?1 AND s.supersedes = d.seq)"
                 " FROM log_decisions d WHERE app_id = ?1 ORDER BY seq",
                 cols);
    else
        snprintf(sql, sizeof sql, "%s NULL FROM log_decisions WHERE app_id = ?1 ORDER BY seq", cols);
    sqlite3_stmt *st = prepare(l, sql);
    if (!st)
        return 1;
    sqlite3_bind_text(st, 1, app_id, -1, SQLITE_STATIC);
    int rc, n = 0, bad = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++)
            printf("\n");
        bad |= show_row(l, st);
    }
    if (rc != SQLITE_DONE)
        bad = db_error(l);
    else if (n == 0)
        fprintf(stderr, "credo audit: %s: no decision logged for app_id %s\n", cr_dlog_path(l), app_id), bad = 1;
    sqlite3_finalize(st);
    return bad ? 1 : 0;
}

/* ---- stats --------------------------------------------------------------------- */

/* Rows of (label, count) for one policy and role, with shares of total. */
static int print_counts(cr_dlog *l, const char *sql, const char *sha, const char *by, int64_t total, bool pct)
{
    sqlite3_stmt *st = prepare(l, sql);
    if (!st)
        return 1;
    sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC);
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *label = col_text(st, 0);
        int64_t c = sqlite3_column_int64(st, 1);
        printf("    %-24s %8lld", label ? label : "(null)", (long long)c);
        if (pct)
            printf("  %5.1f%%", total ? 100.0 * (double)c / (double)total : 0.0);
        printf("\n");
        n++;
    }
    if (n == 0 && rc == SQLITE_DONE)
        printf("    (none)\n");
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_error(l);
}

static int cmd_stats(cr_dlog *l)
{
    sqlite3_stmt *st = prepare(l,
                               "SELECT d.policy_sha256, p.name, p.version, d.decided_by, count(*),"
                               " min(d.as_of), max(d.as_of), (SELECT count(*) FROM main.decisions)"
                               " FROM log_decisions d LEFT JOIN policies p ON p.sha256 = d.policy_sha256"
                               " GROUP BY d.policy_sha256, d.decided_by ORDER BY min(d.seq)");
    if (!st)
        return 1;
    int rc, bad = 0, groups = 0;
    while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *sha = col_text(st, 0), *name = col_text(st, 1), *version = col_text(st, 2);
        const char *by = col_text(st, 3), *from = col_text(st, 5), *to = col_text(st, 6);
        int64_t n = sqlite3_column_int64(st, 4);
        if (groups++ == 0)
            printf("%lld decisions in %s\n", (long long)sqlite3_column_int64(st, 7), cr_dlog_path(l));
        printf("\n%s %s (sha256 %.12s), %s, as of %s", name ? name : "(unknown policy)",
               version ? version : "(no version)", sha ? sha : "?", by ? by : "?", from ? from : "?");
        if (to && from && strcmp(from, to) != 0)
            printf("..%s", to);
        printf(": %lld decisions\n  outcome\n", (long long)n);
        bad = print_counts(l,
                           "SELECT outcome, count(*) FROM log_decisions WHERE policy_sha256 = ?1 AND decided_by = ?2"
                           " GROUP BY outcome ORDER BY count(*) DESC, outcome",
                           sha, by, n, true);
        printf("  reasons\n");
        bad = bad || print_counts(l,
                                  "SELECT j.value, count(*) FROM log_decisions d, json_each(d.reasons) j"
                                  " WHERE d.policy_sha256 = ?1 AND d.decided_by = ?2"
                                  " GROUP BY j.value ORDER BY count(*) DESC, j.value",
                                  sha, by, n, false);
    }
    if (!bad && rc != SQLITE_DONE)
        bad = db_error(l);
    else if (!bad && groups == 0)
        printf("0 decisions in %s\n", cr_dlog_path(l));
    sqlite3_finalize(st);
    return bad;
}

/* ---- the command --------------------------------------------------------------- */

/* The options after the action; which ones an action takes is in
 * `allowed` ("ktcs": key, trust and head/checkpoint, sign).  -1 when
 * fine, else the exit status. */
static int parse_options(int argc, char **argv, const char *allowed, audit_opts *o, const char **app_id)
{
    static const struct option longopts[] = {
        {"key", required_argument, NULL, 'k'},  {"trust", required_argument, NULL, 't'},
        {"head", required_argument, NULL, 'H'}, {"checkpoint", required_argument, NULL, 'c'},
        {"sign", required_argument, NULL, 's'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = cr_cli_getopt("audit", argc, argv, "", longopts)) != -1) {
        if (c == '?')
            return 2;
        if (!strchr(allowed, c == 'H' ? 'c' : c)) {
            const char *name = c == 'k' ? "key" : c == 't' ? "trust" : c == 'H' ? "head" : c == 'c' ? "checkpoint" : "sign";
            return cr_cli_usage_error("audit", "--%s: not an option of this action", name);
        }
        const char **slot = c == 'k' ? &o->key : c == 't' ? &o->trust : c == 'H' ? &o->head
                          : c == 'c' ? &o->checkpoint : &o->sign;
        *slot = optarg;
    }
    for (int i = cr_cli_optind(); i < argc; i++) {
        if (!app_id || *app_id)
            return cr_cli_usage_error("audit", "'%s': one argument too many", argv[i]);
        *app_id = argv[i];
    }
    if (o->head && o->checkpoint) {
        fprintf(stderr, "credo audit: give --head or --checkpoint, not both\n");
        return 2;
    }
    if (app_id && !*app_id)
        return cr_cli_usage_error("audit", "show needs an APP_ID");
    return -1;
}

/* Reads the files the options name.  False with the reason printed. */
static bool load_options(audit_opts *o)
{
    char err[600];
    bool ok = (!o->key || cr_dlog_key_read(o->key, &o->key_bytes, err, sizeof err)) &&
              (!o->trust || cr_ed25519_read(o->trust, &o->trust_key, err, sizeof err)) &&
              (!o->sign || cr_ed25519_read(o->sign, &o->sign_key, err, sizeof err)) &&
              (!o->checkpoint || cr_dlog_anchor_read(o->checkpoint, &o->anchor, err, sizeof err));
    if (ok && o->sign && !o->sign_key.has_secret) {
        snprintf(err, sizeof err, "%s: a public key: --sign needs the private key", o->sign);
        ok = false;
    }
    if (ok && o->head && !cr_dlog_anchor_parse_head(o->head, &o->anchor, err, sizeof err)) {
        fprintf(stderr, "credo audit: --head %s: %s\n", o->head, err);
        return false;
    }
    if (!ok)
        fprintf(stderr, "credo audit: %s\n", err);
    return ok;
}

int cr_cmd_audit(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_audit, 0);
    if (argc < 2)
        return cr_cli_usage_error("audit", "needs a LOG and an action (verify, anchor, show APP_ID or stats)");
    const char *what = argv[1], *app_id = NULL;
    static const struct {
        const char *name, *options;
    } actions[] = {{"verify", "ktc"}, {"anchor", "kts"}, {"show", "k"}, {"stats", ""}};
    int act = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(what, actions[i].name) == 0)
            act = i;
    if (act < 0) {
        return cr_cli_usage_error("audit", "unknown action '%s' (verify, anchor, show APP_ID or stats)", what);
    }
    audit_opts *o = calloc(1, sizeof *o);   /* a key of up to 4 KiB: not on the stack */
    if (!o) {
        fprintf(stderr, "credo audit: out of memory\n");
        return 1;
    }
    int rc = parse_options(argc - 2, argv + 2, actions[act].options, o, act == 2 ? &app_id : NULL);
    if (rc >= 0) {
        free(o);
        return rc;
    }
    if (!load_options(o)) {
        free(o);
        return 1;
    }
    char err[600];
    cr_dlog_options lo = {.key = o->key ? &o->key_bytes : NULL};
    cr_dlog *l = cr_dlog_open_with(argv[0], CR_DLOG_READ, &lo, err, sizeof err);
    if (!l) {
        fprintf(stderr, "credo audit: %s\n", err);
        rc = 1;
    } else {
        rc = act == 0 ? cmd_verify(l, o) : act == 1 ? cmd_anchor(l, o) : act == 2 ? cmd_show(l, app_id) : cmd_stats(l);
    }
    cr_dlog_close(l);
    memset(o, 0, sizeof *o);   /* the key */
    free(o);
    return rc;
}
