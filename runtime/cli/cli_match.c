/* credo match: one applicant against every product policy in a folder:
 * the products they qualify for, with limit and rate, best first, and why
 * the others turn them down. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/stdlib.h"
#include "runtime/cli/cli.h"
#include "runtime/core/date.h"
#include "runtime/decide.h"
#include "runtime/io/decision_json.h"
#include "runtime/vm/vm.h"

static const char usage_match[] =
    "usage: credo match [--as-of DATE] [--json] DIR|POLICY... APPLICATION\n"
    "\n"
    "Decides one applicant (a file holding one JSON object, or - for stdin)\n"
    "under every policy in DIR (*.credo, test files excepted) or each POLICY\n"
    "given.  Lists the products that approve, best first (lowest `rate`, then\n"
    "highest `limit`, when the policy has those results), then the ones that\n"
    "refer or reject with their reasons, then those the application does not\n"
    "fit (a field the product needs is missing or of another type).\n"
    "\n"
    "  --as-of DATE    the date `today` means (default: the current date, UTC)\n"
    "  --json          one JSON object instead of the table\n"
    "\n"
    "exit status: 0 at least one product approves, 1 none does (or an error), 2 usage.\n";

typedef struct offer {
    char *policy;              /* path */
    const char *name, *version;
    int status;                /* 0 approve, 1 refer, 2 reject, 3 does not fit, 4 error */
    bool has_limit, has_rate;
    cr_value limit, rate;
    char *detail;              /* the decision JSON line, or the error */
    char *reasons;             /* JSON array text */
} offer;

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static char *value_json(cr_value v)
{
    cr_buf b = {0};
    cr_buf_json_value(&b, v, NULL);
    return b.p ? b.p : strdup("null");
}

/* Decides the applicant under one policy into o. */
static void try_policy(const char *path, const char *app, size_t len, int64_t today, offer *o)
{
    memset(o, 0, sizeof *o);
    o->policy = strdup(path);
    int errors = 0;
    cr_program *p = cr_cli_load_policy(path, false, &errors);
    if (!p) {
        o->status = 4;
        o->detail = strdup("the policy does not compile");
        return;
    }
    o->name = strdup(p->name ? p->name : "?");
    o->version = strdup(p->version ? p->version : "");
    cr_session *s = cr_session_new(p, NULL);
    if (!s) {
        o->status = 4;
        o->detail = strdup("out of memory");
        cr_program_free(p);
        return;
    }
    s->today = today;
    cr_buf b = {0};
    cr_decided d;
    if (cr_decide(s, app, len, &b, NULL, &d)) {
        o->status = (int)s->outcome == CR_APPROVE ? 0 : s->outcome == CR_REFER ? 1 : 2;
        o->reasons = value_json(s->reasons);
        for (uint32_t i = 0; i < p->nresults; i++) {
            const cr_let_info *li = &p->lets[p->results[i]];
            cr_value v = s->lets[p->results[i]];
            if (strcmp(li->name, "limit") == 0 && (v.tag == CR_INT || v.tag == CR_DEC)) {
                o->has_limit = true;
                o->limit = v;
            } else if (strcmp(li->name, "rate") == 0 && (v.tag == CR_INT || v.tag == CR_DEC)) {
                o->has_rate = true;
                o->rate = v;
            }
        }
        if (b.len && b.p[b.len - 1] == '\n')
            b.p[--b.len] = '\0';
        o->detail = b.p;
    } else {
        /* a field the product needs is missing or mistyped: it does not fit */
        o->status = d.status == CR_BAD_INPUT ? 3 : 4;
        o->detail = strdup(d.error);
        cr_buf_free(&b);
    }
    cr_session_free(s);
    cr_program_free(p);
}

static int best_first(const void *x, const void *y)
{
    const offer *a = x, *b = y;
    if (a->status != b->status)
        return a->status - b->status;
    if (a->status == 0) {
        if (a->has_rate && b->has_rate) {
            int c = cr_num_cmp(a->rate, b->rate);
            if (c)
                return c;
        }
        if (a->has_limit && b->has_limit) {
            int c = cr_num_cmp(b->limit, a->limit);
            if (c)
                return c;
        }
    }
    return strcmp(a->policy, b->policy);
}

static void add_dir(const char *dir, char ***paths, size_t *n, size_t *cap)
{
    DIR *d = opendir(dir);
    if (!d) {
        /* a single policy file */
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            *paths = realloc(*paths, *cap * sizeof **paths);
        }
        if (*paths)
            (*paths)[(*n)++] = strdup(dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!ends_with(e->d_name, ".credo") || ends_with(e->d_name, ".test.credo"))
            continue;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            char **np = realloc(*paths, *cap * sizeof *np);
            if (!np)
                break;
            *paths = np;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(len);
        if (!p)
            break;
        snprintf(p, len, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", e->d_name);
        (*paths)[(*n)++] = p;
    }
    closedir(d);
}

static const char *status_name(int st)
{
    static const char *names[] = {"APPROVE", "REFER", "REJECT", "DOES NOT FIT", "ERROR"};
    return names[st];
}

int cr_cmd_match(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_match, 0);
    bool json = false;
    int64_t today = cr_cli_today();
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'J'}, {"as-of", required_argument, NULL, 'A'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = cr_cli_getopt("match", argc, argv, "", longopts)) != -1) {
        if (c == 'J') {
            json = true;
        } else if (c == 'A') {
            if (!cr_date_parse(optarg, strlen(optarg), &today))
                return cr_cli_usage_error("match", "--as-of %s is not a date YYYY-MM-DD", optarg);
        } else {
            return 2;
        }
    }
    const char **args = (const char **)argv + cr_cli_optind();
    int nargs = argc - cr_cli_optind();
    if (nargs > 64)
        nargs = 64;
    if (nargs < 2)
        return cr_cli_usage_error("match", "needs the products (DIR or POLICY...) and an APPLICATION");
    const char *appfile = args[nargs - 1];
    size_t len;
    char *app;
    if (strcmp(appfile, "-") == 0) {
        size_t cap = 0;
        app = NULL;
        len = 0;
        char chunk[4096];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
            char *na = realloc(app, len + got + 1);
            if (!na)
                break;
            app = na;
            memcpy(app + len, chunk, got);
            len += got;
            cap = len;
        }
        (void)cap;
    } else {
        app = cr_read_file(appfile, &len);
    }
    if (!app) {
        fprintf(stderr, "credo match: cannot read %s: %s\n", appfile, strerror(errno));
        return 1;
    }
    while (len && (app[len - 1] == '\n' || app[len - 1] == '\r'))
        len--;
    char **paths = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < nargs - 1; i++)
        add_dir(args[i], &paths, &n, &cap);
    offer *offers = calloc(n ? n : 1, sizeof *offers);
    if (!offers) {
        free(app);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        try_policy(paths[i], app, len, today, &offers[i]);
    qsort(offers, n, sizeof *offers, best_first);
    int approved = 0;
    if (json) {
        cr_buf b = {0};
        cr_buf_puts(&b, "{\"products\":[");
        for (size_t i = 0; i < n; i++) {
            offer *o = &offers[i];
            cr_buf_printf(&b, "%s{\"policy\":", i ? "," : "");
            cr_buf_json_string(&b, o->policy, strlen(o->policy));
            cr_buf_printf(&b, ",\"outcome\":\"%s\"", status_name(o->status));
            if (o->status <= 2) {
                cr_buf_printf(&b, ",\"decision\":%s", o->detail);
            } else {
                cr_buf_puts(&b, ",\"error\":");
                cr_buf_json_string(&b, o->detail, strlen(o->detail));
            }
            cr_buf_puts(&b, "}");
        }
        cr_buf_puts(&b, "]}\n");
        fwrite(b.p, 1, b.len, stdout);
        cr_buf_free(&b);
    } else {
        printf("%-4s %-22s %-10s %-14s %-14s %-8s %s\n", "rank", "product", "version", "outcome", "limit", "rate", "why");
    }
    for (size_t i = 0; i < n; i++) {
        offer *o = &offers[i];
        if (o->status == 0)
            approved++;
        if (!json) {
            char lim[64] = "-", rate[64] = "-";
            if (o->status == 0 && o->has_limit) {
                char *t = value_json(o->limit);
                snprintf(lim, sizeof lim, "%s", t);
                free(t);
            }
            if (o->status == 0 && o->has_rate) {
                char *t = value_json(o->rate);
                snprintf(rate, sizeof rate, "%s", t);
                free(t);
            }
            const char *why = o->status <= 2 ? (o->status == 0 ? "" : o->reasons) : o->detail;
            printf("%-4zu %-22s %-10s %-14s %-14s %-8s %s\n", i + 1, o->name ? o->name : o->policy,
                   o->version ? o->version : "", status_name(o->status), lim, rate, why ? why : "");
        }
        free(o->policy);
        free((char *)o->name);
        free((char *)o->version);
        free(o->detail);
        free(o->reasons);
        free(paths[i]);
    }
    free(paths);
    free(offers);
    free(app);
    return approved ? 0 : 1;
}
