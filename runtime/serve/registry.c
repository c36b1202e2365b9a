/* The hot-reloading set of policies of `credo serve` (registry.h).
 *
 * Watching is polling: every interval the watcher lists DIR and stats
 * each policy file.  inotify would notice a change sooner, but polling is
 * portable, needs no special handling for the ways files get replaced
 * (rename over, truncate and write, a Kubernetes ConfigMap's symlink
 * swap, a network file system that sends no events), and costs nothing
 * at a few stats per file five times a second.
 *
 * A file is compiled once its stat (mtime, size, inode) has not changed
 * for one whole interval, so a policy written in place by a slow writer
 * is not compiled half-written; and it is stat'ed again after reading,
 * so a write that raced the read is read again later.  Replacing the file
 * with a rename, as deployment tools do, is atomic and never needs that.
 *
 * Where inotify works (watch.c), a file being written (modified and not
 * yet closed) is not compiled at all, however long its writer pauses;
 * and a policy is compiled again when a lookup's data file it read
 * changes, by the same rules.  A load that fails keeps its first error
 * line, shown by /v1/policies and /metrics beside the version still
 * served. */
#include "runtime/serve/registry.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "runtime/audit/decision_log.h"
#include "runtime/cli/cli.h"
#include "runtime/core/date.h"
#include "runtime/serve/watch.h"

/* What tells us a file changed. */
typedef struct file_key {
    struct timespec mtime;
    off_t size;
    ino_t ino;
    dev_t dev;
    uint64_t lookups;            /* cr_watch_lookups_stamp of the version served */
} file_key;

typedef struct policy_file {
    char *path;                  /* DIR/NAME.credo */
    file_key seen;               /* at the last poll */
    bool tried;                  /* `seen` was loaded, or failed to */
    char *blocked;               /* it compiled to this policy name, which another file serves */
    cr_policy_version *current;  /* NULL: nothing served from it */
    /* the first error line of the last load, when it failed (under the
     * registry's lock: /v1/policies reads it); NULL after a good one */
    char *error;
    char error_at[24];
} policy_file;

struct cr_registry {
    char *dir;
    cr_session_limits limits;
    /* Guards the array and each file's current pointer: request threads
     * look names up while the watcher adds, swaps and removes.  Only the
     * watcher writes, so it reads its own files without the lock. */
    pthread_mutex_t lock;
    policy_file **files;         /* sorted by path */
    size_t nfiles, cap;
    atomic_uint_least64_t loads_ok, loads_failed;
    bool dir_failed;             /* the last listing failed (reported once) */
    cr_watch *watch;             /* NULL: no inotify, polling alone */

    pthread_t watcher;
    bool watching;
    unsigned interval_ms;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;    /* on CLOCK_MONOTONIC */
    bool stop;
};

/* ---- versions ------------------------------------------------------------------ */

static void utc_now(char out[24])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static cr_policy_version *version_new(cr_program *p, const cr_session_limits *limits)
{
    cr_policy_version *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    if (pthread_mutex_init(&v->pool_lock, NULL) != 0) {
        free(v);
        return NULL;
    }
    if (!cr_dlog_data_sha256(p, v->data_sha256)) {
        pthread_mutex_destroy(&v->pool_lock);
        free(v);
        return NULL;
    }
    v->prog = p;
    v->limits = *limits;
    atomic_init(&v->refs, 1);    /* the registry's */
    utc_now(v->loaded_at);
    return v;
}

static void version_free(cr_policy_version *v)
{
    for (size_t i = 0; i < v->npool; i++)
        cr_session_free(v->pool[i]);
    free(v->pool);
    pthread_mutex_destroy(&v->pool_lock);
    cr_program_free(v->prog);
    free(v);
}

void cr_version_release(cr_policy_version *v)
{
    /* the last reference frees: no request can still hold it, and a
     * request can no longer find it (the registry's reference is the one
     * dropped when it stops being current) */
    if (v && atomic_fetch_sub(&v->refs, 1) == 1)
        version_free(v);
}

cr_session *cr_version_session(cr_policy_version *v)
{
    cr_session *s = NULL;
    pthread_mutex_lock(&v->pool_lock);
    if (v->npool)
        s = v->pool[--v->npool];
    pthread_mutex_unlock(&v->pool_lock);
    /* made outside the lock: it allocates, and others need not wait */
    return s ? s : cr_session_new(v->prog, &v->limits);
}

void cr_version_give_back(cr_policy_version *v, cr_session *s)
{
    pthread_mutex_lock(&v->pool_lock);
    if (v->npool == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        cr_session **pool = realloc(v->pool, cap * sizeof *pool);
        if (!pool) {
            pthread_mutex_unlock(&v->pool_lock);
            cr_session_free(s);   /* the next request makes a new one */
            return;
        }
        v->pool = pool;
        v->cap = cap;
    }
    v->pool[v->npool++] = s;
    pthread_mutex_unlock(&v->pool_lock);
}

/* ---- lookups (request threads) ------------------------------------------------- */

/* When a version takes effect: one without an effective date, from the start. */
static int64_t effective_of(const cr_program *p)
{
    return p->has_effective ? p->effective : INT64_MIN;
}

cr_policy_version *cr_registry_acquire_at(cr_registry *r, const char *name, int64_t as_of, bool *known)
{
    cr_policy_version *found = NULL, *only = NULL;
    size_t versions = 0;
    pthread_mutex_lock(&r->lock);
    /* a linear scan: a directory holds tens of policies, not thousands */
    for (size_t i = 0; i < r->nfiles; i++) {
        cr_policy_version *v = r->files[i]->current;
        if (!v || strcmp(v->prog->name, name) != 0)
            continue;
        versions++;
        only = v;
        int64_t eff = effective_of(v->prog);
        if (eff <= as_of && (!found || eff > effective_of(found->prog)))
            found = v;
    }
    if (versions == 1)
        found = only;
    if (found)
        atomic_fetch_add(&found->refs, 1);
    pthread_mutex_unlock(&r->lock);
    if (known)
        *known = versions > 0;
    return found;
}

cr_policy_version *cr_registry_acquire(cr_registry *r, const char *name)
{
    return cr_registry_acquire_at(r, name, INT64_MAX, NULL);
}

static void json_string_or_null(cr_buf *out, const char *s)
{
    if (s)
        cr_buf_json_string(out, s, strlen(s));
    else
        cr_buf_puts(out, "null");
}

/* Why the file's newest content is not served: {"error":...,"at":...} or null. */
static void load_error_json(cr_buf *out, const policy_file *f)
{
    if (!f->error) {
        cr_buf_puts(out, "null");
        return;
    }
    cr_buf_puts(out, "{\"error\":");
    json_string_or_null(out, f->error);
    cr_buf_puts(out, ",\"at\":");
    json_string_or_null(out, f->error_at);
    cr_buf_puts(out, "}");
}

static void version_json(cr_buf *out, const cr_policy_version *v, const policy_file *f)
{
    const char *path = f->path;
    const cr_program *p = v->prog;
    cr_buf_puts(out, "{\"name\":");
    json_string_or_null(out, p->name);
    cr_buf_puts(out, ",\"version\":");
    json_string_or_null(out, p->version);
    cr_buf_puts(out, ",\"sha256\":");
    json_string_or_null(out, p->sha256);
    cr_buf_puts(out, ",\"program_sha256\":");
    json_string_or_null(out, p->program_sha256);
    cr_buf_puts(out, ",\"effective\":");
    if (p->has_effective) {
        char date[16];
        cr_date_format(p->effective, date);
        json_string_or_null(out, date);
    } else {
        cr_buf_puts(out, "null");
    }
    cr_buf_puts(out, ",\"file\":");
    json_string_or_null(out, path);
    cr_buf_puts(out, ",\"loaded_at\":");
    json_string_or_null(out, v->loaded_at);
    cr_buf_puts(out, ",\"newer_not_loaded\":");
    load_error_json(out, f);
    cr_buf_puts(out, "}");
}

void cr_registry_list_json(cr_registry *r, cr_buf *out)
{
    bool first = true;
    cr_buf_puts(out, "{\"policies\":[");
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->nfiles; i++) {
        if (!r->files[i]->current)
            continue;
        cr_buf_puts(out, first ? "\n" : ",\n");
        version_json(out, r->files[i]->current, r->files[i]);
        first = false;
    }
    /* files that serve nothing because they do not load */
    cr_buf_puts(out, first ? "],\"not_loaded\":[" : "\n],\"not_loaded\":[");
    first = true;
    for (size_t i = 0; i < r->nfiles; i++) {
        const policy_file *f = r->files[i];
        if (f->current || !f->error)
            continue;
        cr_buf_puts(out, first ? "\n{\"file\":" : ",\n{\"file\":");
        json_string_or_null(out, f->path);
        cr_buf_puts(out, ",\"newer_not_loaded\":");
        load_error_json(out, f);
        cr_buf_puts(out, "}");
        first = false;
    }
    pthread_mutex_unlock(&r->lock);
    cr_buf_puts(out, first ? "]}\n" : "\n]}\n");
}

/* A Prometheus label value: \\, \" and \n escaped. */
static void label_value(cr_buf *out, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\' || *s == '"')
            cr_buf_printf(out, "\\%c", *s);
        else if (*s == '\n')
            cr_buf_puts(out, "\\n");
        else
            cr_buf_put(out, s, 1);
    }
}

void cr_registry_metrics_write(cr_registry *r, cr_buf *out)
{
    cr_buf_puts(out, "# HELP credo_policy_serving The version each policy file serves (always 1).\n"
                     "# TYPE credo_policy_serving gauge\n");
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->nfiles; i++) {
        const cr_policy_version *v = r->files[i]->current;
        if (!v)
            continue;
        cr_buf_puts(out, "credo_policy_serving{policy=\"");
        label_value(out, v->prog->name);
        cr_buf_puts(out, "\",version=\"");
        label_value(out, v->prog->version ? v->prog->version : "");
        cr_buf_puts(out, "\",sha256=\"");
        label_value(out, v->prog->sha256);
        cr_buf_puts(out, "\"} 1\n");
    }
    cr_buf_puts(out, "# HELP credo_policy_not_loaded Policy files whose newest content did not load (always 1),"
                     " with its first error; the version before it goes on serving.\n"
                     "# TYPE credo_policy_not_loaded gauge\n");
    for (size_t i = 0; i < r->nfiles; i++) {
        const policy_file *f = r->files[i];
        if (!f->error)
            continue;
        cr_buf_puts(out, "credo_policy_not_loaded{file=\"");
        label_value(out, f->path);
        cr_buf_puts(out, "\",serving=\"");
        label_value(out, f->current && f->current->prog->version ? f->current->prog->version : "");
        cr_buf_puts(out, "\",error=\"");
        label_value(out, f->error);
        cr_buf_puts(out, "\"} 1\n");
    }
    pthread_mutex_unlock(&r->lock);
}

size_t cr_registry_count(cr_registry *r)
{
    size_t n = 0;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->nfiles; i++)
        n += r->files[i]->current != NULL;
    pthread_mutex_unlock(&r->lock);
    return n;
}

void cr_registry_loads(cr_registry *r, uint64_t *ok, uint64_t *failed)
{
    *ok = atomic_load(&r->loads_ok);
    *failed = atomic_load(&r->loads_failed);
}

/* ---- the directory (watcher thread) -------------------------------------------- */

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* A policy file: NAME.credo, not a test (NAME.test.credo), or a compiled
 * NAME.credoc; not hidden (editors' lock and swap files start with a dot). */
static bool is_policy_name(const char *name)
{
    return name[0] != '.' && ((has_suffix(name, ".credo") && !has_suffix(name, ".test.credo")) ||
                              has_suffix(name, ".credoc"));
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The policy file names in dir, sorted (so that of two files declaring
 * the same policy, the first by name wins, every time).  -1 on failure. */
static long list_dir(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    bool failed = false;
    while (!failed && (e = readdir(d))) {
        if (!is_policy_name(e->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **grown = realloc(names, cap * sizeof *grown);
            if (!grown) {
                failed = true;
                break;
            }
            names = grown;
        }
        if (!(names[n] = strdup(e->d_name)))
            failed = true;
        else
            n++;
    }
    closedir(d);
    if (failed) {
        free_names(names, n);
        errno = ENOMEM;
        return -1;
    }
    qsort(names, n, sizeof *names, compare_names);
    *out = names;
    return (long)n;
}

static bool stat_key(const char *path, file_key *k)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    *k = (file_key){.mtime = st.st_mtim, .size = st.st_size, .ino = st.st_ino, .dev = st.st_dev};
    return true;
}

static bool same_key(const file_key *a, const file_key *b)
{
    return a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec && a->size == b->size &&
           a->ino == b->ino && a->dev == b->dev && a->lookups == b->lookups;
}

static const char *version_text(const cr_program *p)
{
    return p->version ? p->version : "(no version)";
}

/* The file serving the version of p's policy that takes effect on p's
 * date, other than self; NULL when none.  Versions with different
 * effective dates are served side by side, each request decided by the
 * one in effect on its date; two on the same date would be ambiguous. */
static policy_file *serving(cr_registry *r, const cr_program *p, const policy_file *self)
{
    for (size_t i = 0; i < r->nfiles; i++) {
        policy_file *f = r->files[i];
        if (f != self && f->current && strcmp(f->current->prog->name, p->name) == 0 &&
            effective_of(f->current->prog) == effective_of(p))
            return f;
    }
    return NULL;
}

static void clear_blocked(policy_file *f)
{
    free(f->blocked);
    f->blocked = NULL;
}

/* Policy `name` is no longer served: a file that compiled to it but was
 * turned away is loaded again at the next poll. */
static void unblock(cr_registry *r, const char *name)
{
    for (size_t i = 0; i < r->nfiles; i++) {
        policy_file *f = r->files[i];
        if (f->blocked && strcmp(f->blocked, name) == 0) {
            clear_blocked(f);
            f->tried = false;
        }
    }
}

/* Makes v the version f serves; the old one goes when its last request
 * is done. */
static void publish(cr_registry *r, policy_file *f, cr_policy_version *v)
{
    pthread_mutex_lock(&r->lock);
    cr_policy_version *old = f->current;
    f->current = v;
    pthread_mutex_unlock(&r->lock);
    const cr_program *p = v->prog;
    if (old)
        fprintf(stderr, "credo serve: %s: serving %s version %s (sha256 %.12s), replacing version %s\n", f->path,
                p->name, version_text(p), p->sha256, version_text(old->prog));
    else
        fprintf(stderr, "credo serve: %s: serving %s version %s (sha256 %.12s)\n", f->path, p->name,
                version_text(p), p->sha256);
    /* the (name, effective date) it served is free: a file turned away for it may load */
    if (old && (strcmp(old->prog->name, p->name) != 0 || effective_of(old->prog) != effective_of(p)))
        unblock(r, old->prog->name);
    cr_version_release(old);
}

/* Keeps why the load failed (error: its first error line, or NULL for why). */
static void keep_error(cr_registry *r, policy_file *f, const char *error, const char *why)
{
    char *copy = strdup(error ? error : why);
    pthread_mutex_lock(&r->lock);
    free(f->error);
    f->error = copy;
    utc_now(f->error_at);
    pthread_mutex_unlock(&r->lock);
}

static void clear_error(cr_registry *r, policy_file *f)
{
    pthread_mutex_lock(&r->lock);
    free(f->error);
    f->error = NULL;
    pthread_mutex_unlock(&r->lock);
}

/* The first line of diagnostics that says "error", else the first line;
 * NULL when there are none.  Ends at the line's end. */
static char *first_error_line(const char *text)
{
    if (!text || !*text)
        return NULL;
    const char *e = strstr(text, ": error: ");
    const char *start = text;
    if (e) {
        start = e;
        while (start > text && start[-1] != '\n')
            start--;
    }
    return strndup(start, strcspn(start, "\n"));
}

/* Compiles f's file; the diagnostics go to stderr, and the first error
 * line to *error (NULL when none). */
static cr_program *compile_file(policy_file *f, int *errors, char **error)
{
    char *text = NULL;
    size_t len = 0;
    FILE *diag = open_memstream(&text, &len);
    cr_program *p = cr_cli_load_policy_to(f->path, true, errors, diag ? diag : stderr);
    if (diag)
        fclose(diag);
    if (text)
        fputs(text, stderr);
    *error = p ? NULL : first_error_line(text);
    free(text);
    return p;
}

static void watch_lookup_dir(void *cls, const char *path)
{
    cr_watch_add_file_dir(cls, path);   /* cannot: polling alone sees it change */
}

static void load_failed(cr_registry *r, const policy_file *f, const char *why)
{
    atomic_fetch_add(&r->loads_failed, 1);
    if (f->current)
        fprintf(stderr, "credo serve: %s: %s; still serving %s version %s\n", f->path, why, f->current->prog->name,
                version_text(f->current->prog));
    else
        fprintf(stderr, "credo serve: %s: %s; nothing is served from it\n", f->path, why);
}

/* Compiles f and, when it compiles, serves it. */
static void load(cr_registry *r, policy_file *f)
{
    int errors = 0;
    char *error = NULL;
    cr_program *p = compile_file(f, &errors, &error);
    file_key after;
    bool still = stat_key(f->path, &after);
    after.lookups = cr_watch_lookups_stamp(f->path, f->current ? f->current->prog : NULL);
    if (!still) {
        free(error);
        cr_program_free(p);      /* gone: dropped at the next listing */
        return;
    }
    if (!same_key(&after, &f->seen)) {
        /* written while we read it: read again once it is still */
        free(error);
        cr_program_free(p);
        f->seen = after;
        return;
    }
    f->tried = true;
    if (!p) {
        char why[64];
        snprintf(why, sizeof why, "not loaded (%d error%s)", errors, errors == 1 ? "" : "s");
        keep_error(r, f, error, why);
        free(error);
        load_failed(r, f, why);
        return;
    }
    if (f->current && strcmp(f->current->prog->sha256, p->sha256) == 0 &&
        strcmp(f->current->prog->program_sha256, p->program_sha256) == 0) {
        cr_program_free(p);      /* touched, not changed (its lookups' data neither) */
        clear_error(r, f);
        return;
    }
    const policy_file *other = serving(r, p, f);
    if (other) {
        char why[600], eff[16] = "no date";
        if (p->has_effective)
            cr_date_format(p->effective, eff);
        snprintf(why, sizeof why, "not loaded: policy %s effective %s is already served from %s", p->name, eff,
                 other->path);
        keep_error(r, f, NULL, why);
        load_failed(r, f, why);
        clear_blocked(f);
        f->blocked = strdup(p->name);   /* out of memory: it waits for its file to change */
        cr_program_free(p);
        return;
    }
    cr_policy_version *v = version_new(p, &r->limits);
    if (!v) {
        cr_program_free(p);
        load_failed(r, f, "not loaded: out of memory");
        f->tried = false;        /* try again at the next poll */
        return;
    }
    atomic_fetch_add(&r->loads_ok, 1);
    clear_error(r, f);
    /* from now on the new version's lookups are the files watched */
    f->seen.lookups = cr_watch_lookups_stamp(f->path, p);
    if (r->watch)
        cr_watch_each_lookup_file(f->path, p, watch_lookup_dir, r->watch);
    publish(r, f, v);
}

static char *join_path(const char *dir, const char *name)
{
    size_t dlen = strlen(dir), nlen = strlen(name);
    char *path = malloc(dlen + nlen + 2);
    if (path) {
        memcpy(path, dir, dlen);
        path[dlen] = '/';
        memcpy(path + dlen + 1, name, nlen + 1);
    }
    return path;
}

/* Room for one more file.  Under the lock: request threads walk the array. */
static bool grow_files(cr_registry *r)
{
    if (r->nfiles < r->cap)
        return true;
    size_t cap = r->cap ? r->cap * 2 : 16;
    pthread_mutex_lock(&r->lock);
    policy_file **files = realloc(r->files, cap * sizeof *files);
    if (files) {
        r->files = files;
        r->cap = cap;
    }
    pthread_mutex_unlock(&r->lock);
    return files != NULL;
}

/* The file's entry, added (in path order) when new; NULL when out of memory. */
static policy_file *file_entry(cr_registry *r, const char *name)
{
    char *path = join_path(r->dir, name);
    if (!path)
        return NULL;
    size_t at = 0;
    while (at < r->nfiles && strcmp(r->files[at]->path, path) < 0)
        at++;
    if (at < r->nfiles && strcmp(r->files[at]->path, path) == 0) {
        free(path);
        return r->files[at];
    }
    policy_file *f = calloc(1, sizeof *f);
    if (!f || !grow_files(r)) {
        free(path);
        free(f);
        return NULL;
    }
    f->path = path;
    pthread_mutex_lock(&r->lock);
    memmove(r->files + at + 1, r->files + at, (r->nfiles - at) * sizeof *r->files);
    r->files[at] = f;
    r->nfiles++;
    pthread_mutex_unlock(&r->lock);
    return f;
}

static void drop_file(cr_registry *r, size_t i)
{
    pthread_mutex_lock(&r->lock);
    policy_file *f = r->files[i];
    memmove(r->files + i, r->files + i + 1, (r->nfiles - i - 1) * sizeof *r->files);
    r->nfiles--;
    pthread_mutex_unlock(&r->lock);
    if (f->current) {
        fprintf(stderr, "credo serve: %s: removed; %s is no longer served\n", f->path, f->current->prog->name);
        unblock(r, f->current->prog->name);
        cr_version_release(f->current);
    }
    clear_blocked(f);
    free(f->error);
    free(f->path);
    free(f);
}

static bool listed(char **names, size_t n, const char *path, size_t dlen)
{
    const char *name = path + dlen + 1;
    return bsearch(&name, names, n, sizeof *names, compare_names) != NULL;
}

/* One file at one poll.  settle: compile only a file whose stat did not
 * change since the previous poll (false for the first load). */
static void check_file(cr_registry *r, policy_file *f, bool settle)
{
    file_key k;
    if (!stat_key(f->path, &k))
        return;                  /* gone or not a file: dropped at the next listing */
    k.lookups = cr_watch_lookups_stamp(f->path, f->current ? f->current->prog : NULL);
    if (!same_key(&k, &f->seen)) {
        f->seen = k;
        f->tried = false;
        clear_blocked(f);
        if (settle)
            return;
    }
    /* a file still being written is not compiled, nor one whose
     * lookup data is (inotify: modified and not yet closed) */
    if (!f->tried && !cr_watch_busy(r->watch, f->path) &&
        !(f->current && cr_watch_lookups_busy(r->watch, f->path, f->current->prog)))
        load(r, f);
}

/* One poll: drops the files that went, loads the new and changed ones. */
static void poll_dir(cr_registry *r, bool settle)
{
    char **names = NULL;
    long n = list_dir(r->dir, &names);
    if (n < 0) {
        /* keep serving what is loaded: a directory being replaced or an
         * NFS hiccup must not empty the service */
        if (!r->dir_failed)
            fprintf(stderr, "credo serve: cannot read %s: %s; still serving what is loaded\n", r->dir,
                    strerror(errno));
        r->dir_failed = true;
        return;
    }
    r->dir_failed = false;
    size_t dlen = strlen(r->dir);
    for (size_t i = r->nfiles; i-- > 0;)
        if (!listed(names, (size_t)n, r->files[i]->path, dlen))
            drop_file(r, i);
    for (long i = 0; i < n; i++) {
        policy_file *f = file_entry(r, names[i]);
        if (f)
            check_file(r, f, settle);
        else
            fprintf(stderr, "credo serve: %s/%s: out of memory\n", r->dir, names[i]);
    }
    free_names(names, (size_t)n);
}

/* ---- the watcher --------------------------------------------------------------- */

static void *watch_main(void *arg)
{
    cr_registry *r = arg;
    pthread_mutex_lock(&r->stop_lock);
    while (!r->stop) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        t.tv_nsec += (long)(r->interval_ms % 1000) * 1000000L;
        t.tv_sec += r->interval_ms / 1000 + t.tv_nsec / 1000000000L;
        t.tv_nsec %= 1000000000L;
        /* a condition variable, not sleep: stopping wakes it at once */
        pthread_cond_timedwait(&r->stop_cond, &r->stop_lock, &t);
        if (r->stop)
            break;
        pthread_mutex_unlock(&r->stop_lock);
        cr_watch_drain(r->watch);
        poll_dir(r, true);
        pthread_mutex_lock(&r->stop_lock);
    }
    pthread_mutex_unlock(&r->stop_lock);
    return NULL;
}

bool cr_registry_watch(cr_registry *r, unsigned interval_ms)
{
    r->interval_ms = interval_ms ? interval_ms : 1;
    if (pthread_create(&r->watcher, NULL, watch_main, r) != 0) {
        fprintf(stderr, "credo serve: cannot start the watcher thread\n");
        return false;
    }
    r->watching = true;
    return true;
}

static bool init_sync(cr_registry *r)
{
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return false;
    bool ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 && pthread_cond_init(&r->stop_cond, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!ok)
        return false;
    if (pthread_mutex_init(&r->stop_lock, NULL) != 0) {
        pthread_cond_destroy(&r->stop_cond);
        return false;
    }
    if (pthread_mutex_init(&r->lock, NULL) != 0) {
        pthread_mutex_destroy(&r->stop_lock);
        pthread_cond_destroy(&r->stop_cond);
        return false;
    }
    return true;
}

cr_registry *cr_registry_open(const char *dir, const cr_session_limits *limits)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        fprintf(stderr, "credo serve: cannot read %s: %s\n", dir, strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "credo serve: %s is not a directory\n", dir);
        return NULL;
    }
    cr_registry *r = calloc(1, sizeof *r);
    if (!r || !(r->dir = strdup(dir)) || !init_sync(r)) {
        fprintf(stderr, "credo serve: out of memory\n");
        if (r)
            free(r->dir);
        free(r);
        return NULL;
    }
    /* "policies/" and "policies" name the same files */
    size_t n = strlen(r->dir);
    while (n > 1 && r->dir[n - 1] == '/')
        r->dir[--n] = '\0';
    r->limits = *limits;
    atomic_init(&r->loads_ok, 0);
    atomic_init(&r->loads_failed, 0);
    r->watch = cr_watch_open(r->dir);
    poll_dir(r, false);
    return r;
}

void cr_registry_free(cr_registry *r)
{
    if (!r)
        return;
    if (r->watching) {
        pthread_mutex_lock(&r->stop_lock);
        r->stop = true;
        pthread_cond_signal(&r->stop_cond);
        pthread_mutex_unlock(&r->stop_lock);
        pthread_join(r->watcher, NULL);
    }
    for (size_t i = 0; i < r->nfiles; i++) {
        cr_version_release(r->files[i]->current);
        clear_blocked(r->files[i]);
        free(r->files[i]->error);
        free(r->files[i]->path);
        free(r->files[i]);
    }
    free(r->files);
    free(r->dir);
    cr_watch_close(r->watch);
    pthread_mutex_destroy(&r->lock);
    pthread_mutex_destroy(&r->stop_lock);
    pthread_cond_destroy(&r->stop_cond);
    free(r);
}
