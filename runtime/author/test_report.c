/* The results of credo test as JSON or JUnit XML (test_report.h). */
#include "runtime/author/test_report.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/io/decision_json.h"

static char *dup(cr_test_report *r, const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        r->oom = true;
    return d;
}

/* Room for one more item in an array of size elements. */
static bool grow(cr_test_report *r, void **items, uint32_t n, uint32_t *cap, size_t size)
{
    if (n < *cap)
        return true;
    uint32_t c = *cap ? *cap * 2 : 32;
    void *p = realloc(*items, c * size);
    if (!p) {
        r->oom = true;
        return false;
    }
    *items = p;
    *cap = c;
    return true;
}

void cr_report_result(cr_test_report *r, const char *file, uint32_t line, const char *name, bool ok,
                      const char *failure)
{
    if (!grow(r, (void **)&r->results, r->nresults, &r->capresults, sizeof *r->results))
        return;
    cr_test_result *t = &r->results[r->nresults++];
    t->file = dup(r, file);
    t->name = dup(r, name);
    t->line = line;
    t->failure = ok ? NULL : dup(r, failure && *failure ? failure : "failed");
}

void cr_report_uncovered(cr_test_report *r, const char *policy, uint32_t line, const char *what)
{
    if (!grow(r, (void **)&r->uncovered, r->nuncovered, &r->capuncovered, sizeof *r->uncovered))
        return;
    cr_test_uncovered *u = &r->uncovered[r->nuncovered++];
    u->policy = dup(r, policy);
    u->what = dup(r, what);
    u->line = line;
}

void cr_report_coverage(cr_test_report *r, const char *policy, uint32_t parts, uint32_t covered)
{
    if (!grow(r, (void **)&r->coverage, r->ncoverage, &r->capcoverage, sizeof *r->coverage))
        return;
    cr_test_policy_coverage *c = &r->coverage[r->ncoverage++];
    c->policy = dup(r, policy);
    c->parts = parts;
    c->covered = covered;
}

static uint32_t failures(const cr_test_report *r)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < r->nresults; i++)
        n += r->results[i].failure != NULL;
    return n;
}

static double percent(const cr_test_policy_coverage *c)
{
    return c->parts ? 100.0 * c->covered / c->parts : 100.0;
}

static void json_str(cr_buf *b, const char *s)
{
    cr_buf_json_string(b, s, strlen(s));
}

void cr_report_write_json(const cr_test_report *r, FILE *out)
{
    cr_buf b = {0};
    uint32_t failed = failures(r);
    cr_buf_printf(&b, "{\"passed\":%u,\"failed\":%u,\"tests\":[", r->nresults - failed, failed);
    for (uint32_t i = 0; i < r->nresults; i++) {
        const cr_test_result *t = &r->results[i];
        cr_buf_puts(&b, i ? ",\n{\"file\":" : "\n{\"file\":");
        json_str(&b, t->file);
        cr_buf_printf(&b, ",\"line\":%u,\"name\":", t->line);
        json_str(&b, t->name);
        cr_buf_printf(&b, ",\"status\":\"%s\"", t->failure ? "failed" : "passed");
        if (t->failure) {
            cr_buf_puts(&b, ",\"failure\":");
            json_str(&b, t->failure);
        }
        cr_buf_puts(&b, "}");
    }
    cr_buf_puts(&b, "],\n\"coverage\":[");
    for (uint32_t i = 0; i < r->ncoverage; i++) {
        const cr_test_policy_coverage *c = &r->coverage[i];
        cr_buf_puts(&b, i ? ",\n{\"policy\":" : "\n{\"policy\":");
        json_str(&b, c->policy);
        cr_buf_printf(&b, ",\"parts\":%u,\"covered\":%u,\"percent\":%.1f,\"uncovered\":[", c->parts, c->covered,
                      percent(c));
        bool first = true;
        for (uint32_t k = 0; k < r->nuncovered; k++) {
            const cr_test_uncovered *u = &r->uncovered[k];
            if (strcmp(u->policy, c->policy) != 0)
                continue;
            cr_buf_printf(&b, "%s{\"line\":%u,\"what\":", first ? "" : ",", u->line);
            json_str(&b, u->what);
            cr_buf_puts(&b, "}");
            first = false;
        }
        cr_buf_puts(&b, "]}");
    }
    cr_buf_puts(&b, "]}\n");
    if (b.p)
        fwrite(b.p, 1, b.len, out);
    cr_buf_free(&b);
}

/* Text for an XML attribute or element: the five entities escaped, and
 * control characters other than tab and newline (XML 1.0 cannot hold
 * them) written as '?'. */
static void xml_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default: fputc(c < 0x20 && c != '\t' && c != '\n' ? '?' : c, out);
        }
    }
}

/* The first line of a failure, for the failure's message attribute. */
static void xml_first_line(FILE *out, const char *s)
{
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    char *line = strndup(s, n);
    xml_text(out, line ? line : "failed");
    free(line);
}

void cr_report_write_junit(const cr_test_report *r, FILE *out)
{
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"credo test\" tests=\"%u\" failures=\"%u\">\n",
            r->nresults, failures(r));
    /* a suite per file, in the order the files first appear */
    for (uint32_t i = 0; i < r->nresults; i++) {
        const char *file = r->results[i].file;
        bool seen = false;
        for (uint32_t k = 0; k < i && !seen; k++)
            seen = strcmp(r->results[k].file, file) == 0;
        if (seen)
            continue;
        uint32_t tests = 0, failed = 0;
        for (uint32_t k = i; k < r->nresults; k++)
            if (strcmp(r->results[k].file, file) == 0) {
                tests++;
                failed += r->results[k].failure != NULL;
            }
        fputs("  <testsuite name=\"", out);
        xml_text(out, file);
        fprintf(out, "\" tests=\"%u\" failures=\"%u\" errors=\"0\">\n", tests, failed);
        for (uint32_t k = i; k < r->nresults; k++) {
            const cr_test_result *t = &r->results[k];
            if (strcmp(t->file, file) != 0)
                continue;
            fputs("    <testcase classname=\"", out);
            xml_text(out, file);
            fputs("\" name=\"", out);
            xml_text(out, t->name);
            fprintf(out, "\" file=\"");
            xml_text(out, file);
            fprintf(out, "\" line=\"%u\"", t->line);
            if (!t->failure) {
                fputs("/>\n", out);
                continue;
            }
            fputs(">\n      <failure message=\"", out);
            xml_first_line(out, t->failure);
            fputs("\">", out);
            xml_text(out, t->failure);
            fputs("</failure>\n    </testcase>\n", out);
        }
        fputs("  </testsuite>\n", out);
    }
    /* coverage: a suite of its own, one property per policy and one per
     * part never exercised */
    if (r->ncoverage) {
        fputs("  <testsuite name=\"coverage\" tests=\"0\" failures=\"0\" errors=\"0\">\n    <properties>\n", out);
        for (uint32_t i = 0; i < r->ncoverage; i++) {
            const cr_test_policy_coverage *c = &r->coverage[i];
            fputs("      <property name=\"coverage ", out);
            xml_text(out, c->policy);
            fprintf(out, "\" value=\"%.1f%% (%u of %u)\"/>\n", percent(c), c->covered, c->parts);
        }
        for (uint32_t i = 0; i < r->nuncovered; i++) {
            const cr_test_uncovered *u = &r->uncovered[i];
            fputs("      <property name=\"uncovered ", out);
            xml_text(out, u->policy);
            fprintf(out, ":%u\" value=\"", u->line);
            xml_text(out, u->what);
            fputs("\"/>\n", out);
        }
        fputs("    </properties>\n  </testsuite>\n", out);
    }
    fputs("</testsuites>\n", out);
}

void cr_report_free(cr_test_report *r)
{
    for (uint32_t i = 0; i < r->nresults; i++) {
        free(r->results[i].file);
        free(r->results[i].name);
        free(r->results[i].failure);
    }
    for (uint32_t i = 0; i < r->nuncovered; i++) {
        free(r->uncovered[i].policy);
        free(r->uncovered[i].what);
    }
    for (uint32_t i = 0; i < r->ncoverage; i++)
        free(r->coverage[i].policy);
    free(r->results);
    free(r->uncovered);
    free(r->coverage);
    memset(r, 0, sizeof *r);
}
