/* credo bench: how fast one policy decides an author's own applications.
 * The applications are read into memory once; timed passes decide every
 * one through cr_decide and write its decision line into a buffer, as
 * credo run does, until the passes last the time asked for.  An untimed
 * pass counts the VM's instructions per decision, and a traced one (the
 * trace credo explain shows) charges each comparison or test to the
 * rule, scorecard bin, segment row or table row it belongs to. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/cli/cli.h"
#include "runtime/core/date.h"
#include "runtime/decide.h"
#include "runtime/vm/vm.h"

static const char usage_bench[] =
    "usage: credo bench [options] POLICY INPUT\n"
    "\n"
    "Decides every application (JSON lines) of INPUT with POLICY, again and\n"
    "again for at least the given time, and reports:\n"
    "  decisions/s and microseconds per decision (the best pass, decision lines\n"
    "  written to memory as credo run writes them), instructions per decision\n"
    "  (the VM's count: mean, least and most), and the parts of the policy that\n"
    "  do most work: the rules, scorecard bins, segment rows and table rows with\n"
    "  the most comparisons and tests per decision, with file:line.\n"
    "\n"
    "  --as-of DATE      the date `today` means (default: today)\n"
    "  --seconds S       time the passes for at least S seconds (default 1)\n"
    "  --top N           list the N parts that do most work (default 10)\n"
    "\n"
    "example: credo bench --as-of 2026-12-01 policies/sme_tax_loan.credo examples/applicants.jsonl\n"
    "\n"
    "Timings vary with the machine and its load; compare runs on one machine.\n"
    "\n"
    "exit status: 0 measured, 1 the policy or the input cannot be read, 2 usage.\n";

/* A part of the policy a traced instruction can belong to. */
typedef struct part {
    const char *what;   /* "rule AGE", "scorecard score: credit_score bin 2", ... */
    cr_span span;
    uint64_t tests;
} part;

typedef struct parts {
    part *items;
    uint32_t count;
    char *names;        /* the whats, one block */
} parts;

/* Every rule, bin and row of p, with its span and a name. */
static bool collect_parts(const cr_program *p, parts *ps)
{
    uint32_t n = p->nrules;
    for (uint32_t i = 0; i < p->ncharacs; i++)
        n += p->characs[i].nbins;
    for (uint32_t i = 0; i < p->nsegments; i++)
        n += p->segments[i].nrows;
    for (uint32_t i = 0; i < p->ntables; i++)
        n += p->tables[i].nrows;
    enum { NAME = 160 };
    ps->items = calloc(n + 1, sizeof *ps->items);
    ps->names = malloc((size_t)(n + 1) * NAME);
    if (!ps->items || !ps->names)
        return false;
    uint32_t k = 0;
#define ADD(sp, ...)                                                   \
    do {                                                               \
        char *w = ps->names + (size_t)k * NAME;                        \
        snprintf(w, NAME, __VA_ARGS__);                                \
        ps->items[k++] = (part){w, (sp), 0};                           \
    } while (0)
    for (uint32_t i = 0; i < p->nrules; i++)
        ADD(p->rules[i].span, "rule %s", p->rules[i].code);
    for (uint32_t s = 0; s < p->nscorecards; s++)
        for (uint32_t c = 0; c < p->scorecards[s].count; c++) {
            const cr_charac_info *ci = &p->characs[p->scorecards[s].first + c];
            for (uint32_t b = 0; b < ci->nbins; b++)
                ADD(ci->bin_spans[b], "scorecard %s: %s bin %u", p->scorecards[s].name, ci->name, b + 1);
        }
    for (uint32_t s = 0; s < p->nsegments; s++)
        for (uint32_t r = 0; r < p->segments[s].nrows; r++)
            ADD(p->segments[s].row_spans[r], "segment %s: row %s", p->segments[s].name, p->segments[s].labels[r]);
    for (uint32_t t = 0; t < p->ntables; t++)
        for (uint32_t r = 0; r < p->tables[t].nrows; r++)
            ADD(p->tables[t].row_spans[r], "table %s: row %u", p->tables[t].name, r + 1);
#undef ADD
    ps->count = k;
    return true;
}

/* The smallest part whose span holds offset at, or NULL. */
static part *part_at(parts *ps, uint32_t at)
{
    part *best = NULL;
    for (uint32_t i = 0; i < ps->count; i++) {
        cr_span sp = ps->items[i].span;
        if (at >= sp.start && at < sp.end && (!best || sp.end - sp.start < best->span.end - best->span.start))
            best = &ps->items[i];
    }
    return best;
}

static int by_tests(const void *a, const void *b)
{
    const part *x = a, *y = b;
    return x->tests < y->tests ? 1 : x->tests > y->tests ? -1 : 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The lines of text (NUL-terminated in place), blank ones left out. */
static char **split_lines(char *text, size_t len, uint32_t *count)
{
    uint32_t n = 0, cap = 0;
    char **lines = NULL;
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        text[e] = 0;
        if (e > i && text[e - 1] == '\r')
            text[e - 1] = 0;
        if (text[i]) {
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                char **nl = realloc(lines, cap * sizeof *nl);
                if (!nl) {
                    free(lines);
                    return NULL;
                }
                lines = nl;
            }
            lines[n++] = text + i;
        }
        i = e + 1;
    }
    *count = n;
    return lines ? lines : calloc(1, sizeof *lines);
}

typedef struct bench_opts {
    int64_t today;
    double seconds;
    long top;
    const char *policy, *input;
} bench_opts;

static int parse_args(int argc, char **argv, bench_opts *o)
{
    static const struct option longopts[] = {{"as-of", required_argument, NULL, 'A'},
                                             {"seconds", required_argument, NULL, 'S'},
                                             {"top", required_argument, NULL, 'T'},
                                             {NULL, 0, NULL, 0}};
    int c;
    char *end;
    while ((c = cr_cli_getopt("bench", argc, argv, "", longopts)) != -1) {
        if (c == 'A') {
            if (!cr_date_parse(optarg, strlen(optarg), &o->today))
                return cr_cli_usage_error("bench", "--as-of %s is not a date YYYY-MM-DD", optarg);
        } else if (c == 'S') {
            o->seconds = strtod(optarg, &end);
            if (end == optarg || *end || !(o->seconds > 0 && o->seconds <= 3600))
                return cr_cli_usage_error("bench", "--seconds needs a time from 0 to 3600 seconds, not '%s'", optarg);
        } else if (c == 'T') {
            o->top = strtol(optarg, &end, 10);
            if (end == optarg || *end || o->top < 0 || o->top > 10000)
                return cr_cli_usage_error("bench", "--top needs a number from 0 to 10000, not '%s'", optarg);
        } else {
            return 2;
        }
    }
    int first = cr_cli_optind();
    if (argc - first != 2)
        return cr_cli_usage_error("bench", "needs a POLICY and an INPUT of applications (JSON lines)");
    o->policy = argv[first];
    o->input = argv[first + 1];
    return -1;
}

/* The best pass's seconds over every line; *passes gets their number. */
static double timed_passes(cr_session *s, char **lines, uint32_t n, double seconds, uint32_t *passes)
{
    cr_buf out = {0};
    double best = 0, total = 0;
    *passes = 0;
    do {
        double t0 = now();
        for (uint32_t i = 0; i < n; i++) {
            cr_decided d;
            cr_decide_opts o = {.line = i + 1};
            out.len = 0;
            cr_decide(s, lines[i], strlen(lines[i]), &out, &o, &d);
        }
        double t = now() - t0;
        best = *passes == 0 || t < best ? t : best;
        total += t;
        ++*passes;
    } while ((total < seconds || *passes < 3) && *passes < 1000000);
    cr_buf_free(&out);
    return best;
}

int cr_cmd_bench(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_bench, 0);
    bench_opts o = {.today = cr_cli_today(), .seconds = 1.0, .top = 10};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    int errors = 0;
    cr_program *p = cr_cli_load_policy_at(o.policy, o.today, false, &errors);
    if (!p)
        return 1;
    size_t len;
    char *text = cr_read_file(o.input, &len);
    uint32_t n = 0;
    char **lines = text ? split_lines(text, len, &n) : NULL;
    cr_session *s = cr_session_new(p, NULL);
    cr_trace trace = {.cap = 100000};
    trace.items = malloc(trace.cap * sizeof *trace.items);
    parts ps = {0};
    rc = 1;
    if (!text) {
        fprintf(stderr, "credo bench: cannot read %s: %s\n", o.input, strerror(errno));
    } else if (!lines || !s || !trace.items || !collect_parts(p, &ps)) {
        fprintf(stderr, "credo bench: out of memory\n");
    } else if (n == 0) {
        fprintf(stderr, "credo bench: %s holds no application\n", o.input);
    } else {
        s->today = o.today;
        /* counted pass: instructions, errors, the work of each part */
        uint64_t instr = 0, least = UINT64_MAX, most = 0;
        uint32_t decided = 0;
        for (uint32_t i = 0; i < n; i++) {
            cr_decided d;
            cr_decide_opts dopt = {.line = i + 1, .explain = true};
            s->trace = &trace;
            bool ok = cr_decide(s, lines[i], strlen(lines[i]), NULL, &dopt, &d);
            s->trace = NULL;
            if (!ok)
                continue;
            decided++;
            instr += s->executed;
            least = s->executed < least ? s->executed : least;
            most = s->executed > most ? s->executed : most;
            for (uint32_t k = 0; k < trace.count; k++) {
                part *pt = part_at(&ps, p->spans[trace.items[k].pc].start);
                if (pt)
                    pt->tests++;
            }
        }
        uint32_t passes;
        double best = timed_passes(s, lines, n, o.seconds, &passes);
        printf("policy %s %s, %u applications of %s (%u decided, %u errors), best of %u passes\n", p->name,
               p->version ? p->version : "(no version)", n, o.input, decided, n - decided, passes);
        printf("decisions/s:               %.0f\n", n / best);
        printf("microseconds per decision: %.2f\n", best * 1e6 / n);
        if (decided)
            printf("instructions per decision: %.1f (least %llu, most %llu)\n", (double)instr / decided,
                   (unsigned long long)least, (unsigned long long)most);
        else
            printf("instructions per decision: - (no application was decided)\n");
        qsort(ps.items, ps.count, sizeof *ps.items, by_tests);
        printf("parts with the most comparisons and tests per decision:\n");
        for (uint32_t i = 0; i < ps.count && i < (uint32_t)o.top && ps.items[i].tests; i++) {
            uint32_t line, col;
            cr_source_linecol(p->src, p->len, ps.items[i].span.start, &line, &col);
            printf("  %8.2f  %s:%u: %s\n", decided ? (double)ps.items[i].tests / decided : 0.0, p->file, line,
                   ps.items[i].what);
        }
        rc = 0;
    }
    free(ps.items);
    free(ps.names);
    free(trace.items);
    cr_session_free(s);
    free(lines);
    free(text);
    cr_program_free(p);
    return rc;
}
