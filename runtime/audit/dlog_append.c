/* Appending to a decision log (schema 3, decision_log.h): a row per
 * decision chained to the one before, a rerun of the same decision
 * recognised and skipped, a changed one superseding, signed checkpoints at
 * commits, and the runs table that lets a run cut short resume. */
#include "runtime/audit/dlog_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the transaction ------------------------------------------------------------ */

/* Opens a write transaction and finds the row to chain to.  Read here,
 * inside the transaction, not once at open: another writer may have added
 * rows since. */
static bool begin(cr_dlog *l)
{
    if (!cr_dlog_exec(l, "BEGIN IMMEDIATE"))
        return false;
    l->in_txn = true;
    l->pending = 0;
    l->tail_seq = 0;
    cr_dlog_genesis(&l->mac, l->id, l->tail_hash);
    int rc = sqlite3_step(l->tail);
    if (rc == SQLITE_ROW) {
        l->tail_seq = sqlite3_column_int64(l->tail, 0);
        const void *h = sqlite3_column_blob(l->tail, 1);
        if (!h || sqlite3_column_bytes(l->tail, 1) != CR_SHA256_LEN) {
            char msg[160];
            snprintf(msg, sizeof msg, "the last row (seq %lld) has no valid row_hash; run credo audit verify",
                     (long long)l->tail_seq);
            cr_dlog_set_error(l, msg);
            rc = SQLITE_ERROR;
        } else {
            memcpy(l->tail_hash, h, CR_SHA256_LEN);
        }
    } else if (rc != SQLITE_DONE) {
        cr_dlog_set_sqlite_error(l);
    }
    sqlite3_reset(l->tail);
    if ((rc == SQLITE_ROW || rc == SQLITE_DONE) && l->signing) {
        rc = sqlite3_step(l->cp_last);
        if (rc == SQLITE_ROW)
            l->last_checkpoint = sqlite3_column_int64(l->cp_last, 0);
        else
            cr_dlog_set_sqlite_error(l);
        sqlite3_reset(l->cp_last);
    }
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return true;
    /* never chain to a guess */
    sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    l->in_txn = false;
    return false;
}

/* After a failed statement SQLite may have rolled the transaction back
 * itself (a full disk, an I/O error); the next append must begin anew. */
static void forget_lost_txn(cr_dlog *l)
{
    if (sqlite3_get_autocommit(l->db)) {
        l->in_txn = false;
        l->pending = 0;
    }
}

/* created_at: the clock read for every row, the text made again only when
 * the millisecond changes. */
static const char *now_text(cr_dlog *l)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (ms != l->now_ms) {
        l->now_ms = ms;
        cr_dlog_now(l->now_text);
    }
    return l->now_text;
}

static void bind_len(sqlite3_stmt *st, int i, const char *s, size_t n)
{
    if (s)
        sqlite3_bind_text64(st, i, s, n, SQLITE_STATIC, SQLITE_UTF8);
    else
        sqlite3_bind_null(st, i);
}

static int64_t ref_id(const dlog_ref *refs, size_t n, const char *sha)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(refs[i].sha, sha) == 0)
            return refs[i].id;
    return 0;
}

static bool column_is(sqlite3_stmt *st, int i, const char *s, size_t n)
{
    if (!s)
        return sqlite3_column_type(st, i) == SQLITE_NULL;
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return false;
    const void *p = sqlite3_column_blob(st, i);
    return (size_t)sqlite3_column_bytes(st, i) == n && (n == 0 || memcmp(p, s, n) == 0);
}

/* What a row found by a probe is to the new one. */
typedef struct probe {
    int64_t policy, data, input_hash;
    const cr_dlog_entry *e;
} probe;

/* Is the row the probe's statement is on (policy, decided_by, data,
 * application, results at the given columns) the same decision?  Compared
 * byte for byte, so a collision of input_hash can never drop a row. */
static bool same_decision(sqlite3_stmt *st, const probe *pr, int c_data, int c_app, int c_results)
{
    const cr_dlog_entry *e = pr->e;
    bool same_data = pr->data ? sqlite3_column_int64(st, c_data) == pr->data : sqlite3_column_type(st, c_data) == SQLITE_NULL;
    return same_data && column_is(st, c_app, e->application, e->application_len) &&
           column_is(st, c_results, e->results, e->results_len);
}

/* The latest row of the entry's application key (app_id, policy, as_of,
 * decided_by): its seq into *latest (0 if none), and whether it is the
 * same decision.  -1 on error, else 1 same, 0 not. */
static int find_latest(cr_dlog *l, const probe *pr, int64_t *latest)
{
    const cr_dlog_entry *e = pr->e;
    *latest = 0;
    int same = 0, rc;
    if (e->app_id) {
        sqlite3_stmt *st = l->probe_key;
        bind_len(st, 1, e->app_id, e->app_id_len);
        bind_len(st, 2, e->as_of, strlen(e->as_of));
        /* seq, app_id, policy, decided_by, input_hash, data, application,
         * results; in index order, not seq order (sorting would cost a
         * temporary b-tree per row): the latest is kept */
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t seq = sqlite3_column_int64(st, 0);
            if (seq < *latest || sqlite3_column_int64(st, 2) != pr->policy ||
                !column_is(st, 3, e->decided_by, strlen(e->decided_by)))
                continue;
            *latest = seq;
            same = sqlite3_column_int64(st, 4) == pr->input_hash && same_decision(st, pr, 5, 6, 7);
        }
        sqlite3_reset(st);
    } else {
        /* nothing names the application: only the very same line, decided
         * the same, is a rerun; a different one is a decision of its own */
        sqlite3_stmt *st = l->probe_input;
        bind_len(st, 1, e->as_of, strlen(e->as_of));
        sqlite3_bind_int64(st, 2, pr->input_hash);
        /* seq, policy, decided_by, data, application, results */
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (sqlite3_column_int64(st, 1) == pr->policy && column_is(st, 2, e->decided_by, strlen(e->decided_by)) &&
                same_decision(st, pr, 3, 4, 5)) {
                *latest = sqlite3_column_int64(st, 0);
                same = 1;
                break;
            }
        }
        sqlite3_reset(st);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        cr_dlog_set_sqlite_error(l);
        return -1;
    }
    return same;
}

void cr_dlog_content(const cr_dlog_entry *e, uint8_t out[32])
{
    const char *data = e->data_sha256 && *e->data_sha256 ? e->data_sha256 : NULL;
    cr_dlog_content_hash(dlog_text(data), (dlog_field){e->application, e->application_len},
                 (dlog_field){e->results, e->results_len}, out);
}

int cr_dlog_append(cr_dlog *l, const cr_dlog_entry *e)
{
    if (l->mode != CR_DLOG_APPEND) {
        cr_dlog_set_error(l, "opened read-only");
        return -1;
    }
    const char *data_sha = e->data_sha256 && *e->data_sha256 ? e->data_sha256 : NULL;
    probe pr = {.policy = ref_id(l->policies, l->npolicies, e->policy_sha256),
                .data = data_sha ? ref_id(l->data, l->ndata, data_sha) : 0, .e = e};
    int64_t program = e->program_sha256 ? ref_id(l->programs, l->nprograms, e->program_sha256) : 0;
    if (!pr.policy || !program || (data_sha && !pr.data)) {
        cr_dlog_set_error(l, "a decision of a policy, program or data set not added to the log (cr_dlog_add_policy)");
        return -1;
    }
    if (!l->in_txn && !begin(l))
        return -1;
    dlog_row r = {
        .app_id = {e->app_id, e->app_id_len},
        .policy = dlog_text(e->policy_sha256),
        .program = dlog_text(e->program_sha256),
        .as_of = dlog_text(e->as_of),
        .decided_by = dlog_text(e->decided_by),
        .outcome = dlog_text(e->outcome),
        .reasons = {e->reasons, e->reasons_len},
        .fired = {e->fired, e->fired_len},
        .created_at = dlog_text(e->created_at ? e->created_at : now_text(l)),
    };
    if (e->content)
        memcpy(r.content, e->content, sizeof r.content);
    else
        cr_dlog_content(e, r.content);
    pr.input_hash = cr_dlog_int64(r.content);
    int64_t latest = 0;
    int same = find_latest(l, &pr, &latest);
    if (same < 0) {
        forget_lost_txn(l);
        return -1;
    }
    l->last_superseded = 0;
    if (same) {
        l->last_seq = latest;
        return CR_DLOG_SKIPPED;
    }
    char sup[24];
    if (latest) {
        snprintf(sup, sizeof sup, "%lld", (long long)latest);
        r.supersedes = dlog_text(sup);
    }
    uint8_t hash[CR_SHA256_LEN];
    cr_dlog_row_hash(&l->mac, l->tail_hash, &r, hash);
    sqlite3_stmt *st = l->insert;
    sqlite3_bind_int64(st, 1, l->tail_seq + 1);
    bind_len(st, 2, e->app_id, e->app_id_len);
    sqlite3_bind_int64(st, 3, pr.policy);
    if (pr.data)
        sqlite3_bind_int64(st, 4, pr.data);
    else
        sqlite3_bind_null(st, 4);
    bind_len(st, 5, r.as_of.p, r.as_of.len);
    bind_len(st, 6, r.decided_by.p, r.decided_by.len);
    bind_len(st, 7, r.outcome.p, r.outcome.len);
    bind_len(st, 8, e->reasons, e->reasons_len);
    bind_len(st, 9, e->fired, e->fired_len);
    bind_len(st, 10, e->results, e->results_len);
    bind_len(st, 11, e->application, e->application_len);
    bind_len(st, 12, r.created_at.p, r.created_at.len);
    if (latest)
        sqlite3_bind_int64(st, 13, latest);
    else
        sqlite3_bind_null(st, 13);
    sqlite3_bind_int64(st, 14, pr.input_hash);
    sqlite3_bind_blob(st, 15, l->tail_hash, CR_SHA256_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 16, hash, CR_SHA256_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 17, program);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        cr_dlog_set_sqlite_error(l);
    /* the bound texts belong to the caller: drop them before returning */
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        forget_lost_txn(l);
        return -1;
    }
    l->tail_seq++;
    memcpy(l->tail_hash, hash, sizeof hash);
    l->pending++;
    l->last_seq = l->tail_seq;
    l->last_superseded = latest;
    return latest ? CR_DLOG_SUPERSEDED : CR_DLOG_ADDED;
}

int64_t cr_dlog_last_seq(const cr_dlog *l) { return l->last_seq; }
int64_t cr_dlog_last_superseded(const cr_dlog *l) { return l->last_superseded; }
uint32_t cr_dlog_pending(const cr_dlog *l) { return l->pending; }

/* ---- checkpoints -------------------------------------------------------------------- */

/* Signs the head of the open transaction's chain into the checkpoints
 * table, so it commits with the rows it covers. */
static bool add_checkpoint(cr_dlog *l)
{
    char text[256], now[64];
    size_t n = cr_dlog_head_text(l->id, l->tail_seq, l->tail_seq, l->tail_hash, text, sizeof text);
    uint8_t sig[CR_ED25519_SIG_LEN];
    cr_ed25519_sign(&l->signer, text, n, sig);
    cr_dlog_now(now);
    sqlite3_stmt *st = l->cp_insert;
    sqlite3_bind_int64(st, 1, l->tail_seq);
    sqlite3_bind_int64(st, 2, l->tail_seq);
    sqlite3_bind_blob(st, 3, l->tail_hash, CR_SHA256_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, l->signer.pub, CR_ED25519_KEY_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, sig, CR_ED25519_SIG_LEN, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        cr_dlog_set_sqlite_error(l);
        forget_lost_txn(l);
        return false;
    }
    l->last_checkpoint = l->tail_seq;
    l->ncheckpoints++;
    return true;
}

static bool commit(cr_dlog *l, bool final)
{
    if (!l->in_txn)
        return true;
    uint32_t due = final ? 1 : l->checkpoint_every;
    if (l->signing && l->tail_seq > l->last_checkpoint && (uint64_t)(l->tail_seq - l->last_checkpoint) >= due &&
        !add_checkpoint(l))
        return false;
    if (sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        cr_dlog_set_sqlite_error(l);
        forget_lost_txn(l);
        return false;
    }
    l->in_txn = false;
    l->pending = 0;
    return true;
}

bool cr_dlog_commit(cr_dlog *l) { return commit(l, false); }

/* ---- runs --------------------------------------------------------------------------- */

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s && *s ? s : NULL, -1, SQLITE_STATIC);
}

bool cr_dlog_run_begin(cr_dlog *l, const cr_dlog_run *r, int64_t *id)
{
    char now[64];
    cr_dlog_now(now);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db,
                           "INSERT INTO runs (started, as_of, policy_file, policy_sha256, data_sha256, input,"
                           " input_sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &st, NULL) != SQLITE_OK) {
        cr_dlog_set_sqlite_error(l);
        return false;
    }
    bind_text(st, 1, now);
    bind_text(st, 2, r->as_of);
    bind_text(st, 3, r->policy_file);
    bind_text(st, 4, r->policy_sha256);
    bind_text(st, 5, r->data_sha256);
    bind_text(st, 6, r->input);
    bind_text(st, 7, r->input_sha256);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    if (ok)
        *id = sqlite3_last_insert_rowid(l->db);
    else
        cr_dlog_set_sqlite_error(l);
    sqlite3_finalize(st);
    return ok;
}

bool cr_dlog_run_finish(cr_dlog *l, int64_t id)
{
    if (!l->in_txn && !begin(l))
        return false;
    char now[64];
    cr_dlog_now(now);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db,
                           "UPDATE runs SET finished = ?1 WHERE finished IS NULL AND id <= ?2 AND"
                           " (id = ?2 OR (policy_file, input, as_of, coalesce(input_sha256, ''))"
                           " = (SELECT policy_file, input, as_of, coalesce(input_sha256, '') FROM runs WHERE id = ?2))",
                           -1, &st, NULL) != SQLITE_OK) {
        cr_dlog_set_sqlite_error(l);
        return false;
    }
    sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    if (!ok)
        cr_dlog_set_sqlite_error(l);
    sqlite3_finalize(st);
    return ok && commit(l, true);
}

int cr_dlog_unfinished_run(const char *path, const char *policy_file, const char *input, const char *input_sha256,
                           char as_of[16], int64_t *id, char policy_sha256[CR_DLOG_HASH_LEN + 1], char *err,
                           size_t errsz)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;   /* no log yet (or one open_log will report on) */
    fclose(f);
    cr_dlog *l = cr_dlog_open(path, CR_DLOG_READ, err, errsz);
    if (!l)
        return -1;
    int found = 0;
    sqlite3_stmt *st = NULL;
    if (l->schema < DLOG_SCHEMA) {
        cr_dlog_close(l);
        return 0;   /* an older log has no runs; appending to it is refused later */
    }
    if (sqlite3_prepare_v2(l->db,
                           "SELECT as_of, id, policy_sha256 FROM runs WHERE finished IS NULL AND policy_file = ?1"
                           " AND input = ?2 AND input_sha256 = ?3 ORDER BY id DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK) {
        cr_dlog_set_sqlite_error(l);
        found = -1;
    } else {
        sqlite3_bind_text(st, 1, policy_file, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, input, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, input_sha256, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const char *a = (const char *)sqlite3_column_text(st, 0), *p = (const char *)sqlite3_column_text(st, 2);
            snprintf(as_of, 16, "%s", a ? a : "");
            *id = sqlite3_column_int64(st, 1);
            snprintf(policy_sha256, CR_DLOG_HASH_LEN + 1, "%s", p ? p : "");
            found = 1;
        } else if (rc != SQLITE_DONE) {
            cr_dlog_set_sqlite_error(l);
            found = -1;
        }
    }
    if (found < 0)
        snprintf(err, errsz, "%s", l->err);
    sqlite3_finalize(st);
    cr_dlog_close(l);
    return found;
}
