/* Verifying a decision log (cr_dlog_verify, decision_log.h): its key, the
 * stored policies and data sets against their hashes, every row against
 * its hash and its link to the row before, the signed checkpoints, and an
 * anchor kept elsewhere.  Schemas 1 and 2 keep their own rule
 * (cr_dlog_row_hash_v2); schema 3 is walked with the log's MAC. */
#include "runtime/audit/dlog_private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A stored policy (sha) or data set (sha, and the policy that read it). */
typedef struct vref {
    int64_t id, policy;                       /* schema 3 */
    char sha[CR_DLOG_HASH_LEN + 1];
    char policy_sha[CR_DLOG_HASH_LEN + 1];    /* schemas 1 and 2 name a data set's policy by hash */
} vref;

typedef struct vrefs {
    vref *p;
    size_t n, cap;
} vrefs;

typedef struct checkpoint {
    int64_t seq, rows;
    uint8_t head[CR_SHA256_LEN], signer[CR_ED25519_KEY_LEN], sig[CR_ED25519_SIG_LEN];
} checkpoint;

/* What a walk over the rows needs besides the log. */
typedef struct walk {
    cr_dlog_verdict *v;
    const cr_dlog_check *c;
    vrefs policies, data, programs;
    checkpoint *cps;
    size_t ncps, next_cp;
    int64_t good_cp;                  /* the last checkpoint found to hold */
    sqlite3_stmt *superseded;         /* app_id, policy, as_of, decided_by of a seq */
} walk;

/* ---- small functions ---------------------------------------------------------------- */

static dlog_field column_field(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return (dlog_field){NULL, 0};
    const void *p = sqlite3_column_blob(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    return (dlog_field){p ? p : "", n};
}

/* A text fit for a message: printable ASCII, cut short. */
static void printable(char *dst, size_t dstsz, dlog_field f)
{
    size_t n = 0;
    const unsigned char *s = f.p;
    for (size_t i = 0; s && i < f.len && n + 1 < dstsz; i++)
        dst[n++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
    dst[n] = '\0';
}

static bool field_is(dlog_field f, const char *s) { return f.p && f.len == strlen(s) && memcmp(f.p, s, f.len) == 0; }

static bool field_eq(dlog_field a, dlog_field b)
{
    return (!a.p && !b.p) || (a.p && b.p && a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0));
}

static bool blob_is(dlog_field f, const uint8_t *h, size_t n) { return f.p && f.len == n && memcmp(f.p, h, n) == 0; }

static void verdict(cr_dlog_verdict *v, int64_t seq, const char *app_id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void verdict(cr_dlog_verdict *v, int64_t seq, const char *app_id, const char *fmt, ...)
{
    v->intact = false;
    v->seq = seq;
    snprintf(v->app_id, sizeof v->app_id, "%s", app_id);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->what, sizeof v->what, fmt, ap);
    va_end(ap);
}

static void note(cr_dlog_verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(cr_dlog_verdict *v, const char *fmt, ...)
{
    size_t n = strlen(v->notes);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->notes + n, sizeof v->notes - n, fmt, ap);
    va_end(ap);
    n = strlen(v->notes);
    if (n + 1 < sizeof v->notes)
        v->notes[n] = '\n', v->notes[n + 1] = '\0';
}

static bool add_ref(cr_dlog *l, vrefs *r, const vref *ref)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        vref *p = realloc(r->p, cap * sizeof *p);
        if (!p) {
            cr_dlog_set_error(l, "out of memory");
            return false;
        }
        r->p = p;
        r->cap = cap;
    }
    r->p[r->n++] = *ref;
    return true;
}

static const vref *ref_by_id(const vrefs *r, int64_t id)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->p[i].id == id)
            return &r->p[i];
    return NULL;
}

static const vref *ref_by_sha(const vrefs *r, dlog_field sha)
{
    for (size_t i = 0; i < r->n; i++)
        if (field_is(sha, r->p[i].sha))
            return &r->p[i];
    return NULL;
}


static bool step_ok(cr_dlog *l, int rc)
{
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return true;
    cr_dlog_set_sqlite_error(l);
    return false;
}

/* ---- policies and data sets ------------------------------------------------------ */

/* Every stored source must hash to its key: a decision names its policy by
 * that hash, so an edited source would silently change what it names.
 * Schema 3 keys them by id, older schemas by the hash itself (id 0). */
static bool verify_policies(cr_dlog *l, walk *w)
{
    sqlite3_stmt *st;
    const char *sql = l->schema >= 3 ? "SELECT sha256, source, name, id FROM policies ORDER BY id"
                                     : "SELECT sha256, source, name, 0 FROM policies ORDER BY rowid";
    if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK) {
        cr_dlog_set_sqlite_error(l);
        return false;
    }
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW && w->v->intact) {
        dlog_field key = column_field(st, 0), src = column_field(st, 1);
        const unsigned char *name = sqlite3_column_text(st, 2);
        char shown[CR_DLOG_HASH_LEN + 1], hex[CR_DLOG_HASH_LEN + 1];
        printable(shown, sizeof shown, key);
        cr_sha256_hex_of(src.p, src.len, hex);
        if (!src.p || !field_is(key, hex))
            verdict(w->v, 0, "", "policy %s (%s): altered: its source does not hash to its sha256", shown,
                    name ? (const char *)name : "?");
        else {
            vref r = {.id = sqlite3_column_int64(st, 3)};
            memcpy(r.sha, hex, sizeof hex);
            ok = add_ref(l, &w->policies, &r);
        }
    }
    ok = ok && step_ok(l, rc);
    sqlite3_finalize(st);
    return ok;
}

/* The stored programs.  A program's hash cannot be recomputed here (that
 * needs the compiler: `credo audit show` compiles again); the rows' chain
 * covers it, so a changed hash breaks the chain at the first row that ran
 * it, and a program of no stored policy is named at that row too. */
static bool verify_programs(cr_dlog *l, walk *w)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db, "SELECT sha256, policy, id FROM programs ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
        cr_dlog_set_sqlite_error(l);
        return false;
    }
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW && w->v->intact) {
        dlog_field key = column_field(st, 0);
        char shown[CR_DLOG_HASH_LEN + 1];
        printable(shown, sizeof shown, key);
        if (key.len != CR_DLOG_HASH_LEN)
            verdict(w->v, 0, "", "program %s: altered: not a SHA-256", shown);
        else {
            vref r = {.id = sqlite3_column_int64(st, 2), .policy = sqlite3_column_int64(st, 1)};
            memcpy(r.sha, key.p, CR_DLOG_HASH_LEN);
            ok = add_ref(l, &w->programs, &r);
        }
    }
    ok = ok && step_ok(l, rc);
    sqlite3_finalize(st);
    return ok;
}

/* Every stored data set must hash to its key and belong to a stored
 * policy: a decision names the reference tables it read by that hash. */
static bool verify_data(cr_dlog *l, walk *w)
{
    sqlite3_stmt *st;
    const char *sql = l->schema >= 3 ? "SELECT sha256, NULL, tables, id, policy FROM data ORDER BY id"
                                     : "SELECT sha256, policy_sha256, tables, 0, 0 FROM data ORDER BY rowid";
    if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK) {
        cr_dlog_set_sqlite_error(l);
        return false;
    }
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW && w->v->intact) {
        dlog_field key = column_field(st, 0), tables = column_field(st, 2);
        char shown[CR_DLOG_HASH_LEN + 1], hex[CR_DLOG_HASH_LEN + 1];
        printable(shown, sizeof shown, key);
        cr_sha256_hex_of(tables.p, tables.len, hex);
        const vref *pol = l->schema >= 3 ? ref_by_id(&w->policies, sqlite3_column_int64(st, 4))
                                         : ref_by_sha(&w->policies, column_field(st, 1));
        if (!tables.p || !field_is(key, hex))
            verdict(w->v, 0, "", "data %s: altered: its tables do not hash to its sha256", shown);
        else if (!pol)
            verdict(w->v, 0, "", "data %s: its policy is not in the policies table", shown);
        else {
            vref r = {.id = sqlite3_column_int64(st, 3), .policy = pol->id};
            memcpy(r.sha, hex, sizeof hex);
            memcpy(r.policy_sha, pol->sha, sizeof r.policy_sha);
            ok = add_ref(l, &w->data, &r);
        }
    }
    ok = ok && step_ok(l, rc);
    sqlite3_finalize(st);
    return ok;
}

/* ---- schemas 1 and 2 --------------------------------------------------------------- */

/* Is data set f, of a schema 2 log, stored and read by policy `policy`? */
static bool v2_data_known(const vrefs *d, dlog_field f, dlog_field policy)
{
    const vref *r = ref_by_sha(d, f);
    return r && field_is(policy, r->policy_sha);
}

static bool verify_row_v2(sqlite3_stmt *st, int64_t expect_seq, const char *prev, walk *w,
                          char hash[CR_DLOG_HASH_LEN + 1])
{
    cr_dlog_verdict *v = w->v;
    int64_t seq = sqlite3_column_int64(st, 0);
    dlog_field f[V2_NFIELDS];
    for (int i = V2_APP_ID; i <= V2_CREATED_AT; i++)
        f[i] = column_field(st, i);    /* columns 1..10 are app_id..created_at */
    f[V2_PREV] = column_field(st, 11);
    dlog_field stored = column_field(st, 12);
    f[V2_DATA] = column_field(st, 13);
    char app[sizeof v->app_id];
    printable(app, sizeof app, f[V2_APP_ID]);
    if (seq != expect_seq) {
        if (seq > expect_seq)
            verdict(v, expect_seq, app, "seq %lld missing: the next row is seq %lld (app_id %s)",
                    (long long)expect_seq, (long long)seq, app);
        else
            verdict(v, seq, app, "seq %lld (app_id %s): out of place: seq numbers start at 1", (long long)seq, app);
        return false;
    }
    cr_dlog_row_hash_v2(f, hash);
    if (!field_is(stored, hash)) {
        verdict(v, seq, app, "seq %lld (app_id %s): altered: its contents do not match its row_hash", (long long)seq,
                app);
        return false;
    }
    if (!field_is(f[V2_PREV], prev)) {
        verdict(v, seq, app,
                "seq %lld (app_id %s): out of order: its prev_hash is not the row_hash of seq %lld"
                " (rows moved or swapped, or seq %lld replaced)",
                (long long)seq, app, (long long)seq - 1, (long long)seq - 1);
        return false;
    }
    if (!ref_by_sha(&w->policies, f[V2_POLICY])) {
        verdict(v, seq, app, "seq %lld (app_id %s): its policy is not in the policies table", (long long)seq, app);
        return false;
    }
    if (f[V2_DATA].p && !v2_data_known(&w->data, f[V2_DATA], f[V2_POLICY])) {
        verdict(v, seq, app, "seq %lld (app_id %s): its reference data is not in the data table, or not its policy's",
                (long long)seq, app);
        return false;
    }
    return true;
}

static bool anchor_at_v2(walk *w, int64_t seq, const char *hash)
{
    const cr_dlog_anchor *a = w->c ? w->c->anchor : NULL;
    if (!a || a->seq != seq)
        return true;
    char hex[CR_DLOG_HASH_LEN + 1];
    cr_sha256_hex(a->head, hex);
    if (strcmp(hex, hash) == 0)
        return true;
    verdict(w->v, seq, "", "seq %lld: the anchor's head is not this log's row_hash at seq %lld: a row at or before it"
            " was rewritten", (long long)seq, (long long)seq);
    return false;
}

static bool verify_chain_v2(cr_dlog *l, walk *w)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db,
                           "SELECT seq, app_id, policy_sha256, as_of, application, outcome, reasons, results,"
                           " fired, decided_by, created_at, prev_hash, row_hash, data_sha256"
                           " FROM main.decisions ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK) {
        /* schema 1 has no data_sha256 column */
        if (sqlite3_prepare_v2(l->db,
                               "SELECT seq, app_id, policy_sha256, as_of, application, outcome, reasons, results,"
                               " fired, decided_by, created_at, prev_hash, row_hash, NULL"
                               " FROM main.decisions ORDER BY seq",
                               -1, &st, NULL) != SQLITE_OK) {
            cr_dlog_set_sqlite_error(l);
            return false;
        }
    }
    char prev[CR_DLOG_HASH_LEN + 1], hash[CR_DLOG_HASH_LEN + 1];
    memset(prev, '0', CR_DLOG_HASH_LEN);
    prev[CR_DLOG_HASH_LEN] = '\0';
    int64_t expect = 1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!verify_row_v2(st, expect, prev, w, hash) || !anchor_at_v2(w, expect, hash))
            break;
        memcpy(prev, hash, sizeof prev);
        w->v->rows++;
        w->v->head_seq = expect++;
        memcpy(w->v->head_hash, prev, sizeof prev);
    }
    bool ok = step_ok(l, rc);
    sqlite3_finalize(st);
    return ok;
}

/* ---- schema 3: the key, the checkpoints --------------------------------------------- */

/* The key given against the log's record.  False with the verdict when
 * the rows cannot be checked with it. */
static bool check_key(cr_dlog *l, cr_dlog_verdict *v)
{
    if (!l->has_record) {
        verdict(v, 0, "", "the log's record (its id and whether it is keyed) is missing: the log was altered");
        return false;
    }
    if (l->keyed && !l->have_key) {
        verdict(v, 0, "",
                "a keyed log (key id %s): its rows can only be checked with its key; give --key KEYFILE", l->key_id);
        return false;
    }
    if (l->keyed && strcmp(l->key_id, l->given_key_id) != 0) {
        verdict(v, 0, "",
                "wrong key: the log was written with key id %s, the key given has id %s (or the log's record was"
                " altered)",
                l->key_id, l->given_key_id);
        return false;
    }
    if (!l->keyed && l->have_key) {
        verdict(v, 0, "",
                "the log's record says it has no key, but a key was given: if it was written with one, the record"
                " was altered and the chain recomputed without the key");
        return false;
    }
    return true;
}

static bool load_checkpoints(cr_dlog *l, walk *w)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db, "SELECT seq, rows, head, signer, signature FROM checkpoints ORDER BY seq", -1, &st,
                           NULL) != SQLITE_OK) {
        cr_dlog_set_sqlite_error(l);
        return false;
    }
    int rc;
    size_t cap = 0;
    bool ok = true;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (w->ncps == cap) {
            cap = cap ? cap * 2 : 16;
            checkpoint *p = realloc(w->cps, cap * sizeof *p);
            if (!p) {
                cr_dlog_set_error(l, "out of memory");
                ok = false;
                break;
            }
            w->cps = p;
        }
        checkpoint *cp = &w->cps[w->ncps++];
        memset(cp, 0, sizeof *cp);
        cp->seq = sqlite3_column_int64(st, 0);
        cp->rows = sqlite3_column_int64(st, 1);
        dlog_field f[3] = {column_field(st, 2), column_field(st, 3), column_field(st, 4)};
        /* a blob of the wrong size stays zeros, and fails its signature */
        if (f[0].p && f[0].len == sizeof cp->head)
            memcpy(cp->head, f[0].p, sizeof cp->head);
        if (f[1].p && f[1].len == sizeof cp->signer)
            memcpy(cp->signer, f[1].p, sizeof cp->signer);
        if (f[2].p && f[2].len == sizeof cp->sig)
            memcpy(cp->sig, f[2].p, sizeof cp->sig);
    }
    ok = ok && step_ok(l, rc);
    sqlite3_finalize(st);
    return ok;
}

/* A head that does not match blames the rows since the last checkpoint
 * that did: in a log without a key they are intact only up to it (with a
 * key, each row's MAC held). */
static void blame_range(const cr_dlog *l, walk *w)
{
    if (!l->keyed)
        w->v->rows = (uint64_t)w->good_cp;
}

/* Is the signature of a head made by `signer`, and is that the trusted
 * key (when one is given)?  NULL when so, else what is wrong. */
static const char *bad_signature(const char *log_id, int64_t seq, int64_t rows, const uint8_t head[CR_SHA256_LEN],
                                 const uint8_t *signer, const uint8_t *sig, const uint8_t *trust)
{
    char text[256];
    size_t n = cr_dlog_head_text(log_id, seq, rows, head, text, sizeof text);
    if (trust && memcmp(signer, trust, CR_ED25519_KEY_LEN) != 0)
        return "signed by another key than the trusted one";
    if (!cr_ed25519_verify(signer, text, n, sig))
        return "its signature does not verify";
    return NULL;
}

/* The checkpoint at this seq, if any: its signature, then its head
 * against the chain's. */
static bool checkpoint_at(cr_dlog *l, walk *w, int64_t seq, const uint8_t hash[CR_SHA256_LEN], const char *app)
{
    if (w->next_cp >= w->ncps || w->cps[w->next_cp].seq != seq)
        return true;
    const checkpoint *cp = &w->cps[w->next_cp++];
    const char *bad = bad_signature(l->id, cp->seq, cp->rows, cp->head, cp->signer, cp->sig, w->c ? w->c->trust : NULL);
    if (bad) {
        verdict(w->v, seq, app, "checkpoint at seq %lld: %s", (long long)seq, bad);
        return false;
    }
    if (cp->rows != seq || memcmp(cp->head, hash, CR_SHA256_LEN) != 0) {
        verdict(w->v, w->good_cp + 1, "",
                "checkpoint at seq %lld: the log's row_hash at seq %lld is not the head that was signed: a row"
                " after seq %lld and at or before seq %lld was rewritten%s",
                (long long)seq, (long long)seq, (long long)w->good_cp, (long long)seq,
                l->keyed ? " by someone holding the log's key" : "");
        blame_range(l, w);
        return false;
    }
    w->good_cp = seq;
    w->v->checkpoints++;
    w->v->last_checkpoint = seq;
    return true;
}

static bool anchor_at(cr_dlog *l, walk *w, int64_t seq, const uint8_t hash[CR_SHA256_LEN])
{
    const cr_dlog_anchor *a = w->c ? w->c->anchor : NULL;
    if (!a || a->seq != seq)
        return true;
    if (a->rows != seq || memcmp(a->head, hash, CR_SHA256_LEN) != 0) {
        verdict(w->v, w->good_cp + 1, "",
                "the anchor's head (seq %lld) is not this log's row_hash at seq %lld: a row after seq %lld and at or"
                " before seq %lld was rewritten%s",
                (long long)seq, (long long)seq, (long long)w->good_cp, (long long)seq,
                l->keyed ? " by someone holding the log's key" : "");
        blame_range(l, w);
        return false;
    }
    return true;
}

/* ---- schema 3: the rows ------------------------------------------------------------- */

enum { C_SEQ, C_APP_ID, C_POLICY, C_DATA, C_AS_OF, C_DECIDED_BY, C_OUTCOME, C_REASONS, C_FIRED, C_RESULTS,
       C_APPLICATION, C_CREATED_AT, C_SUPERSEDES, C_INPUT_HASH, C_PREV, C_ROW_HASH, C_PROGRAM };

static const char rows_sql[] =
    "SELECT seq, app_id, policy, data, as_of, decided_by, outcome, reasons, fired, results, application,"
    " created_at, supersedes, input_hash, prev_hash, row_hash, program FROM decisions";

/* The fields of the row st is on, as its hash covers them; false when
 * its policy or data set is not stored (reported). */
static bool row_fields(sqlite3_stmt *st, const walk *w, dlog_row *r, char sup[24], const char *app,
                       cr_dlog_verdict *v)
{
    int64_t seq = sqlite3_column_int64(st, C_SEQ);
    const vref *pol = ref_by_id(&w->policies, sqlite3_column_int64(st, C_POLICY));
    const vref *dat = sqlite3_column_type(st, C_DATA) == SQLITE_NULL ? NULL
                                                                     : ref_by_id(&w->data, sqlite3_column_int64(st, C_DATA));
    if (!pol) {
        verdict(v, seq, app, "seq %lld (app_id %s): its policy is not in the policies table", (long long)seq, app);
        return false;
    }
    const vref *prog = ref_by_id(&w->programs, sqlite3_column_int64(st, C_PROGRAM));
    if (!prog || prog->policy != pol->id) {
        verdict(v, seq, app, "seq %lld (app_id %s): its program is not in the programs table, or not its policy's",
                (long long)seq, app);
        return false;
    }
    if (sqlite3_column_type(st, C_DATA) != SQLITE_NULL && (!dat || dat->policy != pol->id)) {
        verdict(v, seq, app, "seq %lld (app_id %s): its reference data is not in the data table, or not its policy's",
                (long long)seq, app);
        return false;
    }
    *r = (dlog_row){
        .app_id = column_field(st, C_APP_ID), .policy = dlog_text(pol->sha),
        .program = dlog_text(prog->sha), .as_of = column_field(st, C_AS_OF),
        .decided_by = column_field(st, C_DECIDED_BY), .outcome = column_field(st, C_OUTCOME),
        .reasons = column_field(st, C_REASONS), .fired = column_field(st, C_FIRED),
        .created_at = column_field(st, C_CREATED_AT),
    };
    if (sqlite3_column_type(st, C_SUPERSEDES) != SQLITE_NULL) {
        snprintf(sup, 24, "%lld", (long long)sqlite3_column_int64(st, C_SUPERSEDES));
        r->supersedes = dlog_text(sup);
    }
    cr_dlog_content_hash(dlog_text(dat ? dat->sha : NULL), column_field(st, C_APPLICATION), column_field(st, C_RESULTS),
                 r->content);
    return true;
}

/* The row a superseding row names must be earlier and of the same
 * application key. */
static bool check_supersedes(walk *w, sqlite3_stmt *st, const char *app)
{
    if (sqlite3_column_type(st, C_SUPERSEDES) == SQLITE_NULL)
        return true;
    int64_t seq = sqlite3_column_int64(st, C_SEQ), old = sqlite3_column_int64(st, C_SUPERSEDES);
    bool same = false;
    if (old >= 1 && old < seq) {
        sqlite3_stmt *q = w->superseded;
        sqlite3_bind_int64(q, 1, old);
        if (sqlite3_step(q) == SQLITE_ROW)
            same = field_eq(column_field(q, 0), column_field(st, C_APP_ID)) &&
                   sqlite3_column_int64(q, 1) == sqlite3_column_int64(st, C_POLICY) &&
                   field_eq(column_field(q, 2), column_field(st, C_AS_OF)) &&
                   field_eq(column_field(q, 3), column_field(st, C_DECIDED_BY));
        sqlite3_reset(q);
    }
    if (!same)
        verdict(w->v, seq, app,
                "seq %lld (app_id %s): it supersedes seq %lld, which is not an earlier decision of the same"
                " application, policy, date and role",
                (long long)seq, app, (long long)old);
    return same;
}

static bool verify_row(cr_dlog *l, walk *w, sqlite3_stmt *st, int64_t expect, const uint8_t prev[CR_SHA256_LEN],
                       uint8_t hash[CR_SHA256_LEN])
{
    cr_dlog_verdict *v = w->v;
    int64_t seq = sqlite3_column_int64(st, C_SEQ);
    char app[sizeof v->app_id], sup[24];
    dlog_field app_id = column_field(st, C_APP_ID);
    printable(app, sizeof app, app_id);
    if (!app_id.p)
        snprintf(app, sizeof app, "none");
    if (seq != expect) {
        if (seq > expect)
            verdict(v, expect, app, "seq %lld missing: the next row is seq %lld (app_id %s)", (long long)expect,
                    (long long)seq, app);
        else
            verdict(v, seq, app, "seq %lld (app_id %s): out of place: seq numbers start at 1", (long long)seq, app);
        return false;
    }
    dlog_row r;
    if (!row_fields(st, w, &r, sup, app, v))
        return false;
    dlog_field stored_prev = column_field(st, C_PREV);
    if (stored_prev.len == CR_SHA256_LEN)
        cr_dlog_row_hash(&l->mac, stored_prev.p, &r, hash);
    if (stored_prev.len != CR_SHA256_LEN || !blob_is(column_field(st, C_ROW_HASH), hash, CR_SHA256_LEN)) {
        verdict(v, seq, app, "seq %lld (app_id %s): altered: its contents do not match its row_hash%s", (long long)seq,
                app, l->keyed ? " (a MAC only the log's key can make)" : "");
        return false;
    }
    if (sqlite3_column_int64(st, C_INPUT_HASH) != cr_dlog_int64(r.content)) {
        verdict(v, seq, app, "seq %lld (app_id %s): altered: its input_hash is not what its contents give",
                (long long)seq, app);
        return false;
    }
    if (!blob_is(stored_prev, prev, CR_SHA256_LEN)) {
        verdict(v, seq, app,
                "seq %lld (app_id %s): out of order: its prev_hash is not the row_hash of seq %lld"
                " (rows moved or swapped, or a row before it removed or replaced)",
                (long long)seq, app, (long long)seq - 1);
        return false;
    }
    return check_supersedes(w, st, app) && checkpoint_at(l, w, seq, hash, app) && anchor_at(l, w, seq, hash);
}

static bool verify_chain(cr_dlog *l, walk *w)
{
    char sql[512];
    snprintf(sql, sizeof sql, "%s ORDER BY seq", rows_sql);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(l->db, "SELECT app_id, policy, as_of, decided_by FROM decisions WHERE seq = ?1", -1,
                           &w->superseded, NULL) != SQLITE_OK) {
        cr_dlog_set_sqlite_error(l);
        sqlite3_finalize(st);
        return false;
    }
    uint8_t prev[CR_SHA256_LEN], hash[CR_SHA256_LEN];
    cr_dlog_genesis(&l->mac, l->id, prev);
    int64_t expect = 1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!verify_row(l, w, st, expect, prev, hash))
            break;
        memcpy(prev, hash, sizeof prev);
        w->v->rows++;
        w->v->head_seq = expect++;
        cr_sha256_hex(prev, w->v->head_hash);
        memcpy(w->v->head.head, prev, sizeof prev);
    }
    bool ok = step_ok(l, rc);
    sqlite3_finalize(st);
    return ok;
}

/* After the walk: what lies beyond the log's last row. */
static void check_end(cr_dlog *l, walk *w)
{
    cr_dlog_verdict *v = w->v;
    const cr_dlog_anchor *a = w->c ? w->c->anchor : NULL;
    int64_t end = v->head_seq;
    if (a && a->seq > end) {
        verdict(v, end + 1, "", "truncated: the anchor names seq %lld, the log ends at seq %lld", (long long)a->seq,
                (long long)end);
        return;
    }
    if (w->next_cp < w->ncps) {
        const checkpoint *cp = &w->cps[w->next_cp];
        if (cp->seq > end)
            verdict(v, end + 1, "", "truncated: a checkpoint is signed at seq %lld, the log ends at seq %lld",
                    (long long)cp->seq, (long long)end);
        else
            verdict(v, cp->seq, "", "checkpoint at seq %lld: out of place", (long long)cp->seq);
        return;
    }
    if (w->c && w->c->trust && w->ncps == 0) {
        verdict(v, 0, "", "no signed checkpoint, though --trust asks for the log to be signed (were they removed?)");
        return;
    }
    if (w->ncps && v->last_checkpoint < end)
        note(v, "rows after the last checkpoint (seq %lld..%lld) are not covered by a signature",
             (long long)v->last_checkpoint + 1, (long long)end);
    if (w->ncps && !(w->c && w->c->trust)) {
        char id[CR_ED25519_ID_LEN + 1];
        cr_ed25519_id(w->cps[0].signer, id);
        note(v, "checkpoints checked against the key stored with them (key id %s); give --trust PUB.pem to check"
                " who signed", id);
    }
    if (!l->keyed)
        note(v, "a log without a key: anyone can recompute its chain; a rewrite shows only against an anchor or a"
                " signed checkpoint");
    if (!a)
        note(v, "rows cut from the end show only against an anchor kept elsewhere (credo audit LOG anchor)");
}

/* The anchor itself, before the walk: its log and its signature. */
static bool check_anchor(cr_dlog *l, walk *w)
{
    const cr_dlog_anchor *a = w->c ? w->c->anchor : NULL;
    if (!a)
        return true;
    if (a->has_log_id && (l->schema < 3 || strcmp(a->log_id, l->id) != 0)) {
        verdict(w->v, 0, "", "the anchor is of another log (log %s; this log is %s)", a->log_id,
                l->schema < 3 ? "of schema 1 or 2, without an id" : l->id);
        return false;
    }
    if (a->is_signed) {
        const char *bad = bad_signature(a->log_id, a->seq, a->rows, a->head, a->signer, a->signature,
                                        w->c->trust);
        if (bad) {
            verdict(w->v, 0, "", "the anchor: %s", bad);
            return false;
        }
    }
    return true;
}

bool cr_dlog_verify(cr_dlog *l, const cr_dlog_check *c, cr_dlog_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->intact = true;
    memset(v->head_hash, '0', CR_DLOG_HASH_LEN);
    /* One read transaction, so a writer going on meanwhile is not seen
     * halfway; inside our own open write transaction, that one serves. */
    bool own = sqlite3_get_autocommit(l->db) != 0;
    if (own && !cr_dlog_exec(l, "BEGIN"))
        return false;
    walk w = {.v = v, .c = c};
    bool ok = true;
    if (l->schema >= 3) {
        snprintf(v->head.log_id, sizeof v->head.log_id, "%s", l->id);
        v->head.has_log_id = true;
        cr_dlog_genesis(&l->mac, l->id, v->head.head);
        cr_sha256_hex(v->head.head, v->head_hash);
        if (check_key(l, v) && check_anchor(l, &w))
            ok = verify_policies(l, &w) && (!v->intact || verify_programs(l, &w)) &&
                 (!v->intact || verify_data(l, &w)) &&
                 (!v->intact || load_checkpoints(l, &w)) && (!v->intact || verify_chain(l, &w));
        if (ok && v->intact)
            check_end(l, &w);
        v->head.seq = v->head.rows = v->head_seq;
    } else if (l->have_key) {
        verdict(v, 0, "", "a log of schema %d is never keyed, but a key was given", l->schema);
    } else if (check_anchor(l, &w)) {
        ok = verify_policies(l, &w) && (!v->intact || l->schema < 2 || verify_data(l, &w)) &&
             (!v->intact || verify_chain_v2(l, &w));
        if (ok && v->intact && c && c->anchor && c->anchor->seq > v->head_seq)
            verdict(v, v->head_seq + 1, "", "truncated: the anchor names seq %lld, the log ends at seq %lld",
                    (long long)c->anchor->seq, (long long)v->head_seq);
    }
    sqlite3_finalize(w.superseded);
    free(w.policies.p);
    free(w.programs.p);
    free(w.data.p);
    free(w.cps);
    if (own)
        sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL);
    return ok;
}

/* ---- one row, for credo audit show ---------------------------------------------------- */

int cr_dlog_row_intact(cr_dlog *l, int64_t seq)
{
    char hex[CR_DLOG_HASH_LEN + 1];
    if (l->schema < 3) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(l->db,
                               "SELECT seq, app_id, policy_sha256, as_of, application, outcome, reasons, results,"
                               " fired, decided_by, created_at, prev_hash, row_hash, data_sha256 FROM main.decisions"
                               " WHERE seq = ?1",
                               -1, &st, NULL) != SQLITE_OK &&
            sqlite3_prepare_v2(l->db,
                               "SELECT seq, app_id, policy_sha256, as_of, application, outcome, reasons, results,"
                               " fired, decided_by, created_at, prev_hash, row_hash, NULL FROM main.decisions"
                               " WHERE seq = ?1",
                               -1, &st, NULL) != SQLITE_OK) {
            cr_dlog_set_sqlite_error(l);
            return -1;
        }
        sqlite3_bind_int64(st, 1, seq);
        int rc = sqlite3_step(st), intact = 0;
        if (rc == SQLITE_ROW) {
            dlog_field f[V2_NFIELDS];
            for (int i = V2_APP_ID; i <= V2_CREATED_AT; i++)
                f[i] = column_field(st, i);
            f[V2_PREV] = column_field(st, 11);
            f[V2_DATA] = column_field(st, 13);
            cr_dlog_row_hash_v2(f, hex);
            intact = field_is(column_field(st, 12), hex);
        } else {
            intact = rc == SQLITE_DONE ? 0 : -1;
        }
        sqlite3_finalize(st);
        return intact;
    }
    if (l->keyed && (!l->have_key || strcmp(l->key_id, l->given_key_id) != 0))
        return 2;
    /* the row's policy and data by their stored hashes, as verify reads them */
    walk w = {0};
    cr_dlog_verdict v = {.intact = true};
    w.v = &v;
    char sql[512];
    snprintf(sql, sizeof sql, "%s WHERE seq = ?1", rows_sql);
    sqlite3_stmt *st = NULL;
    int intact = -1;
    if (verify_policies(l, &w) && verify_programs(l, &w) && verify_data(l, &w) && sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, seq);
        int rc = sqlite3_step(st);
        dlog_row r;
        char sup[24];
        uint8_t hash[CR_SHA256_LEN];
        if (rc == SQLITE_ROW) {
            dlog_field prev = column_field(st, C_PREV);
            intact = 0;
            if (row_fields(st, &w, &r, sup, "", &v) && prev.len == CR_SHA256_LEN) {
                cr_dlog_row_hash(&l->mac, prev.p, &r, hash);
                intact = blob_is(column_field(st, C_ROW_HASH), hash, CR_SHA256_LEN);
            }
        } else if (rc == SQLITE_DONE) {
            intact = 0;
        } else {
            cr_dlog_set_sqlite_error(l);
        }
    } else if (!st) {
        cr_dlog_set_sqlite_error(l);
    }
    sqlite3_finalize(st);
    free(w.policies.p);
    free(w.programs.p);
    free(w.data.p);
    return intact;
}
