/* Files being written, from inotify (watch.h).
 *
 * A busy file is one with an IN_MODIFY and no IN_CLOSE_WRITE since: the
 * list is short (the files being written at this moment) and searched
 * by folder and name.  Folders are compared by their real path, so a
 * lookup's "../data/x.csv" and the folder watched as "/srv/data" meet. */
#include "runtime/serve/watch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


typedef struct watched_dir {
    int wd;
    char *real;                  /* realpath of the folder */
} watched_dir;

typedef struct busy_file {
    int wd;
    char *name;
    time_t since;                /* the last change, CLOCK_MONOTONIC seconds */
} busy_file;

struct cr_watch {
    int fd;
    watched_dir *dirs;
    size_t ndirs;
    busy_file *busy;
    size_t nbusy, capbusy;
};

static time_t mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec;
}

/* IN_MODIFY: written to; the others end a write or the file. */
static const uint32_t EVENTS = IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE;

static bool add_dir(cr_watch *w, const char *dir)
{
    char real[PATH_MAX];
    if (!realpath(dir, real))
        return false;
    for (size_t i = 0; i < w->ndirs; i++)
        if (strcmp(w->dirs[i].real, real) == 0)
            return true;
    watched_dir *grown = realloc(w->dirs, (w->ndirs + 1) * sizeof *grown);
    if (!grown)
        return false;
    w->dirs = grown;
    int wd = inotify_add_watch(w->fd, real, EVENTS | IN_ONLYDIR);
    char *copy = wd >= 0 ? strdup(real) : NULL;
    if (!copy) {
        if (wd >= 0)
            inotify_rm_watch(w->fd, wd);
        return false;
    }
    w->dirs[w->ndirs++] = (watched_dir){wd, copy};
    return true;
}

cr_watch *cr_watch_open(const char *dir)
{
    cr_watch *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0 || !add_dir(w, dir)) {
        fprintf(stderr, "credo serve: cannot watch %s with inotify (%s): a policy written in place is loaded once"
                        " its file stays unchanged for a poll\n", dir, strerror(errno));
        cr_watch_close(w);
        return NULL;
    }
    return w;
}

void cr_watch_close(cr_watch *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    for (size_t i = 0; i < w->ndirs; i++)
        free(w->dirs[i].real);
    for (size_t i = 0; i < w->nbusy; i++)
        free(w->busy[i].name);
    free(w->dirs);
    free(w->busy);
    free(w);
}

bool cr_watch_add_file_dir(cr_watch *w, const char *path)
{
    if (!w)
        return false;
    const char *slash = strrchr(path, '/');
    if (!slash)
        return add_dir(w, ".");
    char dir[PATH_MAX];
    size_t n = (size_t)(slash - path);
    if (n >= sizeof dir)
        return false;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return add_dir(w, n ? dir : "/");
}

static long find_busy(const cr_watch *w, int wd, const char *name)
{
    for (size_t i = 0; i < w->nbusy; i++)
        if (w->busy[i].wd == wd && strcmp(w->busy[i].name, name) == 0)
            return (long)i;
    return -1;
}

static void set_busy(cr_watch *w, int wd, const char *name, bool busy)
{
    long i = find_busy(w, wd, name);
    if (busy && i >= 0) {
        w->busy[i].since = mono_s();
    } else if (busy) {
        if (w->nbusy == w->capbusy) {
            size_t cap = w->capbusy ? w->capbusy * 2 : 8;
            busy_file *grown = realloc(w->busy, cap * sizeof *grown);
            if (!grown)
                return;          /* out of memory: the file is judged by polling alone */
            w->busy = grown;
            w->capbusy = cap;
        }
        char *copy = strdup(name);
        if (copy)
            w->busy[w->nbusy++] = (busy_file){wd, copy, mono_s()};
    } else if (i >= 0) {
        free(w->busy[i].name);
        w->busy[i] = w->busy[--w->nbusy];
    }
}

static void forget_all(cr_watch *w)
{
    for (size_t i = 0; i < w->nbusy; i++)
        free(w->busy[i].name);
    w->nbusy = 0;
}

void cr_watch_drain(cr_watch *w)
{
    if (!w)
        return;
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    while ((n = read(w->fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                forget_all(w);   /* events were lost: polling judges alone until the next */
                continue;
            }
            if (!ev->len)
                continue;
            set_busy(w, ev->wd, ev->name, (ev->mask & IN_MODIFY) && !(ev->mask & IN_CLOSE_WRITE));
        }
    }
}

bool cr_watch_busy(cr_watch *w, const char *path)
{
    if (!w || !w->nbusy)
        return false;
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    char dir[PATH_MAX], real[PATH_MAX];
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n >= sizeof dir)
        return false;
    memcpy(dir, path, n);
    dir[n] = '\0';
    if (!realpath(slash ? (n ? dir : "/") : ".", real))
        return false;
    for (size_t i = 0; i < w->ndirs; i++) {
        if (strcmp(w->dirs[i].real, real) != 0)
            continue;
        long b = find_busy(w, w->dirs[i].wd, name);
        return b >= 0 && mono_s() - w->busy[b].since < CR_WATCH_BUSY_MAX;
    }
    return false;
}

static bool is_credoc(const char *path)
{
    size_t n = strlen(path);
    return n >= 7 && strcmp(path + n - 7, ".credoc") == 0;
}

void cr_watch_each_lookup_file(const char *policy_path, const cr_program *p,
                               void (*fn)(void *cls, const char *path), void *cls)
{
    if (!p || is_credoc(policy_path))
        return;
    const char *slash = strrchr(policy_path, '/');
    size_t dn = slash ? (size_t)(slash - policy_path) + 1 : 0;
    for (uint32_t i = 0; i < p->nlookups; i++) {
        const char *lp = p->lookups[i].path;
        if (!lp)
            continue;
        char full[PATH_MAX];
        int len = lp[0] == '/' ? snprintf(full, sizeof full, "%s", lp)
                               : snprintf(full, sizeof full, "%.*s%s", (int)dn, policy_path, lp);
        if (len < 0 || (size_t)len >= sizeof full - 4)
            continue;
        fn(cls, full);
        if (p->lookups[i].source == LOOKUP_SQLITE) {
            strcat(full, "-wal");
            fn(cls, full);
        }
    }
}

static void mix_stat(void *cls, const char *path)
{
    uint64_t *h = cls;
    struct stat st;
    uint64_t parts[4] = {0};
    if (stat(path, &st) == 0) {
        parts[0] = (uint64_t)st.st_size;
        parts[1] = (uint64_t)st.st_mtim.tv_sec;
        parts[2] = (uint64_t)st.st_mtim.tv_nsec;
        parts[3] = (uint64_t)st.st_ino;
    }
    for (int i = 0; i < 4; i++) {           /* FNV-1a over the numbers */
        for (int b = 0; b < 8; b++) {
            *h ^= (parts[i] >> (8 * b)) & 0xff;
            *h *= 1099511628211ull;
        }
    }
}

uint64_t cr_watch_lookups_stamp(const char *policy_path, const cr_program *p)
{
    uint64_t h = 14695981039346656037ull;
    if (!p || !p->nlookups || is_credoc(policy_path))
        return 0;
    cr_watch_each_lookup_file(policy_path, p, mix_stat, &h);
    return h;
}

typedef struct busy_probe {
    cr_watch *w;
    bool busy;
} busy_probe;

static void probe_busy(void *cls, const char *path)
{
    busy_probe *b = cls;
    b->busy = b->busy || cr_watch_busy(b->w, path);
}

bool cr_watch_lookups_busy(cr_watch *w, const char *policy_path, const cr_program *p)
{
    busy_probe b = {w, false};
    if (w)
        cr_watch_each_lookup_file(policy_path, p, probe_busy, &b);
    return b.busy;
}
