/* The reference policy (tests/reference/POLICY.md) written by hand in C:
 * the "speed of light" credo is measured against.
 *
 *   handwritten tsv FILE            decision lines in expected.tsv's format on stdout
 *   handwritten e2e FILE [REPS]     getline + cJSON + decide + format, timed
 *   handwritten decide FILE [REPS]  parse everything first (untimed), time decide() only
 *   handwritten json FILE [REPS]    cJSON parsing into the struct alone, timed
 *
 * Each timed mode prints one line
 *   RESULT mode=... n=... best_s=... approve=... refer=... reject=... error=... reasons=... rss_kb=...
 * where best_s is the fastest pass over the whole file (at least REPS passes
 * and at least one second in all).
 *
 * JSON: cJSON (libcjson-dev), the fastest general JSON library Debian
 * packages that we tried (about 3x jansson's speed on these lines).  It
 * checks less than credo's reader: no UTF-8 validation and no limits; the
 * one pass over the members below does reject a missing, duplicated or
 * mistyped field, as credo does.
 *
 * Exactness.  cJSON turns every JSON number into a double.  Every amount
 * of the reference input has at most two decimals and is far below
 * 2^53 / 100, so llround(x * 100) recovers its exact value in cents (the
 * double is within half an ulp of the decimal, and the product's error
 * stays far below half a cent); an amount whose double is not that close
 * to a whole number of cents (more decimals than two, or too large) makes
 * the application an ERROR instead of being rounded.
 * From there everything is integer arithmetic:
 *   - money in int64 cents; business_years in hundredths of a year;
 *   - ratio tests (dti, the sales decline, sales_cv) by cross-multiplying
 *     in __int128, never dividing: dti > 0.6 is debt * 5 > income * 3,
 *     sales_cv < 0.15 is (n*sum(x^2) - sum(x)^2) * 20^2 < 3^2 * sum(x)^2,
 *     so a value exactly on a boundary compares exactly;
 *   - the limit in units of 1e-4 CNY (cents times a two-decimal
 *     multiplier), floored to 1000 CNY with a floor division;
 *   - the rate in hundredths of a percent: base, premiums and adjustments
 *     all have two decimals, so the sum is exact and rounding half-up to
 *     two decimals changes nothing.
 * No double is used after the conversion to cents. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <cJSON.h>

#define BENCH_ENGINE "handwritten"
#define BENCH_PROG "handwritten"
#include "bench_common.h"

__extension__ typedef __int128 i128;

#define MAX_SALES 64

typedef struct app {
    char app_id[64];
    char industry[16];
    char uscc[32];
    char tax_grade[8];
    uint8_t uscc_len, industry_len, tax_grade_len;
    bool blacklisted, has_collateral;
    int32_t age, credit_score, overdue_count, max_overdue_days, inquiries, term;
    int64_t business_years; /* hundredths of a year */
    int64_t annual_revenue, tax_paid, pos_flow, income, debt, requested, collateral; /* cents */
    int32_t nsales;
    int64_t sales[MAX_SALES]; /* cents */
} app;

enum { APPROVE, REFER, REJECT, ERROR };
enum { PRIME, STANDARD, SUBPRIME, TIER_REFER };

static const char *const outcome_names[] = {"APPROVE", "REFER", "REJECT", "ERROR"};
static const char *const tier_names[] = {"PRIME", "STANDARD", "SUBPRIME", "REFER"};

enum {
    R_AGE, R_BIZ_YEARS, R_USCC_INVALID, R_TAX_GRADE, R_DELINQUENCY, R_INQUIRIES, R_INDUSTRY,
    R_BLACKLIST, R_DTI, R_SALES_DECLINE, R_SCORE_LOW,
    R_SC_CREDIT_SCORE, R_SC_BUSINESS_YEARS, R_SC_TAX_GRADE, R_SC_DTI, R_SC_OVERDUE_COUNT_24M,
    R_SC_INQUIRIES_3M, R_SC_SALES_CV, R_LIMIT_TOO_LOW,
};
static const char *const reason_names[] = {
    "AGE", "BIZ_YEARS", "USCC_INVALID", "TAX_GRADE", "DELINQUENCY", "INQUIRIES", "INDUSTRY",
    "BLACKLIST", "DTI", "SALES_DECLINE", "SCORE_LOW",
    "SC_CREDIT_SCORE", "SC_BUSINESS_YEARS", "SC_TAX_GRADE", "SC_DTI", "SC_OVERDUE_COUNT_24M",
    "SC_INQUIRIES_3M", "SC_SALES_CV", "LIMIT_TOO_LOW",
};

typedef struct decision {
    uint8_t outcome, tier, nreasons;
    uint8_t reasons[12];
    int32_t score;
    int64_t limit;   /* CNY */
    int32_t rate;    /* hundredths of a percent */
} decision;

/* ---- reading ---- */

enum {
    F_APP_ID, F_AGE, F_BUSINESS_YEARS, F_INDUSTRY, F_USCC, F_ANNUAL_REVENUE, F_TAX_PAID, F_TAX_GRADE,
    F_POS_FLOW, F_INCOME, F_DEBT, F_CREDIT_SCORE, F_OVERDUE_COUNT, F_MAX_OVERDUE_DAYS, F_INQUIRIES,
    F_BLACKLISTED, F_REQUESTED, F_TERM, F_COLLATERAL, F_SALES, NFIELDS
};
static const char *const field_names[NFIELDS] = {
    "app_id", "age", "business_years", "industry", "uscc", "annual_revenue", "tax_paid_12m", "tax_grade",
    "pos_flow_12m", "monthly_income", "monthly_debt_payment", "credit_score", "overdue_count_24m",
    "max_overdue_days_24m", "inquiries_3m", "blacklisted", "requested_amount", "requested_term",
    "collateral_value", "monthly_sales",
};

static int field_of(const char *k)
{
    for (int i = 0; i < NFIELDS; i++)
        if (strcmp(k, field_names[i]) == 0)
            return i;
    return -1;
}

/* An int field: cJSON keeps every number as a double (exact for these). */
static bool to_int(const cJSON *v, int32_t *out)
{
    if (!cJSON_IsNumber(v))
        return false;
    double x = v->valuedouble;
    if (!(x >= INT32_MIN && x <= INT32_MAX) || x != (double)(int32_t)x)
        return false;
    *out = (int32_t)x;
    return true;
}

/* A number as an exact count of cents (see the top of the file). */
static bool to_cents(const cJSON *v, int64_t *out)
{
    if (!cJSON_IsNumber(v))
        return false;
    double x = v->valuedouble * 100.0;
    if (!(fabs(x) < 9.0e15))
        return false;
    long long c = llround(x);
    if (fabs(x - (double)c) > 1e-3)
        return false;
    *out = c;
    return true;
}

static bool to_text(const cJSON *v, char *buf, size_t size, uint8_t *len)
{
    if (!cJSON_IsString(v))
        return false;
    size_t n = strlen(v->valuestring);
    if (n >= size) /* only ever compared with short codes: keep a prefix, */
        n = size - 1;  /* and a too long uscc gets length 0 (invalid) below */
    memcpy(buf, v->valuestring, n);
    buf[n] = '\0';
    if (len)
        *len = (uint8_t)n;
    return true;
}

/* Fills *a from one JSON line, one pass over the object's members; false
 * (with the field in err) when the line is not a valid reference
 * applicant: not JSON, a field missing, of the wrong type or given twice.
 * Unknown members are ignored. */
static bool read_app(const char *line, size_t len, app *a, char *err, size_t errsize)
{
    a->app_id[0] = '\0';
    cJSON *o = cJSON_ParseWithLength(line, len);
    if (!cJSON_IsObject(o)) {
        snprintf(err, errsize, "json: %s", o ? "not an object" : "syntax error");
        cJSON_Delete(o);
        return false;
    }
    uint32_t seen = 0;
    int bad = -1;
    a->has_collateral = false;
    a->collateral = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, o) {
        int f = field_of(v->string);
        if (f < 0)
            continue;
        if (seen & (1u << f)) {
            bad = f;
            break;
        }
        seen |= 1u << f;
        bool ok;
        switch (f) {
        case F_APP_ID: ok = to_text(v, a->app_id, sizeof a->app_id, NULL); break;
        case F_AGE: ok = to_int(v, &a->age); break;
        case F_BUSINESS_YEARS: ok = to_cents(v, &a->business_years); break;
        case F_INDUSTRY: ok = to_text(v, a->industry, sizeof a->industry, &a->industry_len); break;
        case F_USCC:
            ok = to_text(v, a->uscc, sizeof a->uscc, &a->uscc_len);
            if (ok && strlen(v->valuestring) >= sizeof a->uscc)
                a->uscc_len = 0;
            break;
        case F_ANNUAL_REVENUE: ok = to_cents(v, &a->annual_revenue); break;
        case F_TAX_PAID: ok = to_cents(v, &a->tax_paid); break;
        case F_TAX_GRADE: ok = to_text(v, a->tax_grade, sizeof a->tax_grade, &a->tax_grade_len); break;
        case F_POS_FLOW: ok = to_cents(v, &a->pos_flow); break;
        case F_INCOME: ok = to_cents(v, &a->income); break;
        case F_DEBT: ok = to_cents(v, &a->debt); break;
        case F_CREDIT_SCORE: ok = to_int(v, &a->credit_score); break;
        case F_OVERDUE_COUNT: ok = to_int(v, &a->overdue_count); break;
        case F_MAX_OVERDUE_DAYS: ok = to_int(v, &a->max_overdue_days); break;
        case F_INQUIRIES: ok = to_int(v, &a->inquiries); break;
        case F_BLACKLISTED:
            ok = cJSON_IsBool(v);
            a->blacklisted = cJSON_IsTrue(v);
            break;
        case F_REQUESTED: ok = to_cents(v, &a->requested); break;
        case F_TERM: ok = to_int(v, &a->term); break;
        case F_COLLATERAL:
            a->has_collateral = !cJSON_IsNull(v);
            ok = !a->has_collateral || to_cents(v, &a->collateral);
            break;
        default: { /* F_SALES */
            ok = cJSON_IsArray(v);
            int n = 0;
            const cJSON *x;
            cJSON_ArrayForEach(x, v) {
                if (n == MAX_SALES || !to_cents(x, &a->sales[n])) {
                    ok = false;
                    break;
                }
                n++;
            }
            a->nsales = n;
            break;
        }
        }
        if (!ok) {
            bad = f;
            break;
        }
    }
    cJSON_Delete(o);
    if (bad < 0) /* collateral_value may be missing (null); nothing else */
        for (int f = 0; f < NFIELDS; f++)
            if (f != F_COLLATERAL && !(seen & (1u << f))) {
                bad = f;
                break;
            }
    if (bad >= 0) {
        snprintf(err, errsize, "%s: missing, given twice or not of its type", field_names[bad]);
        return false;
    }
    return true;
}

/* ---- deciding ---- */

/* ^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$ */
static bool uscc_char(char c)
{
    if (c >= '0' && c <= '9')
        return true;
    if (c < 'A' || c > 'Y')
        return false;
    return c != 'I' && c != 'O' && c != 'S' && c != 'V' && c != 'Z';
}

static bool uscc_valid(const app *a)
{
    if (a->uscc_len != 18)
        return false;
    for (int i = 0; i < 18; i++) {
        char c = a->uscc[i];
        if (i >= 2 && i < 8 ? !(c >= '0' && c <= '9') : !uscc_char(c))
            return false;
    }
    return true;
}

static bool text_is(const char *s, uint8_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

/* sign(num/den - p/q) for den != 0, q > 0 */
static int cmp_ratio(int64_t num, int64_t den, int64_t p, int64_t q)
{
    i128 d = (i128)num * q - (i128)p * den;
    int s = (d > 0) - (d < 0);
    return den > 0 ? s : -s;
}

/* sales_cv < p/q (p, q > 0), with cv = stdev / mean, 0 when the mean is 0.
 * cv = sqrt(n*Q - S^2) / S with S = sum, Q = sum of squares. */
static bool cv_below(i128 var_n2, i128 sum, int64_t p, int64_t q)
{
    if (sum <= 0)
        return true; /* cv is 0 (mean 0) or negative */
    return var_n2 * q * q < sum * sum * p * p;
}

static const int32_t premium[3][3] = {{80, 110, 140}, {160, 190, 230}, {320, 360, 410}};

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void decide(const app *a, decision *d)
{
    d->nreasons = 0;
    d->limit = 0;
    d->rate = 0;
    if (a->income == 0 || a->nsales < 3) {
        d->outcome = ERROR; /* credo: division by zero, slice outside the list */
        d->score = 0;
        d->tier = TIER_REFER;
        return;
    }
    const int64_t *x = a->sales;
    int n = a->nsales;
    int64_t first3 = x[0] + x[1] + x[2];
    int64_t last3 = x[n - 3] + x[n - 2] + x[n - 1];
    i128 sum = 0, sq = 0;
    for (int i = 0; i < n; i++) {
        sum += x[i];
        sq += (i128)x[i] * x[i];
    }
    i128 var_n2 = sq * n - sum * sum; /* n^2 * population variance */

    /* 1. admission */
    bool grade_a = text_is(a->tax_grade, a->tax_grade_len, "A");
    if (a->age < 18 || a->age > 65) d->reasons[d->nreasons++] = R_AGE;
    if (a->business_years < 200) d->reasons[d->nreasons++] = R_BIZ_YEARS;
    if (!uscc_valid(a)) d->reasons[d->nreasons++] = R_USCC_INVALID;
    if (text_is(a->tax_grade, a->tax_grade_len, "C") || text_is(a->tax_grade, a->tax_grade_len, "D"))
        d->reasons[d->nreasons++] = R_TAX_GRADE;
    if (a->overdue_count > 3 || a->max_overdue_days >= 90) d->reasons[d->nreasons++] = R_DELINQUENCY;
    if (a->inquiries > 6) d->reasons[d->nreasons++] = R_INQUIRIES;
    if (a->industry_len == 3) {
        static const char restricted[7][4] = {"K70", "B06", "B07", "C25", "C31", "C32", "J66"};
        for (int i = 0; i < 7; i++)
            if (memcmp(a->industry, restricted[i], 3) == 0) {
                d->reasons[d->nreasons++] = R_INDUSTRY;
                break;
            }
    }
    if (a->blacklisted) d->reasons[d->nreasons++] = R_BLACKLIST;
    if (cmp_ratio(a->debt, a->income, 3, 5) > 0) d->reasons[d->nreasons++] = R_DTI;
    if ((i128)last3 * 2 < first3) d->reasons[d->nreasons++] = R_SALES_DECLINE;
    if (a->credit_score < 550) d->reasons[d->nreasons++] = R_SCORE_LOW;

    /* 2. scorecard, in table order */
    int pts[7];
    int cs = a->credit_score;
    pts[0] = cs < 600 ? -40 : cs < 650 ? -10 : cs < 700 ? 15 : cs < 750 ? 35 : 55;
    int64_t by = a->business_years;
    pts[1] = by < 300 ? -15 : by < 500 ? 0 : by < 1000 ? 10 : 20;
    pts[2] = grade_a ? 25 : text_is(a->tax_grade, a->tax_grade_len, "B") ? 10
           : text_is(a->tax_grade, a->tax_grade_len, "M") ? -5 : -30;
    pts[3] = cmp_ratio(a->debt, a->income, 1, 5) <= 0 ? 20 : cmp_ratio(a->debt, a->income, 7, 20) <= 0 ? 10
           : cmp_ratio(a->debt, a->income, 1, 2) <= 0 ? -5 : -25;
    pts[4] = a->overdue_count == 0 ? 15 : a->overdue_count == 1 ? 0 : -20;
    pts[5] = a->inquiries <= 1 ? 10 : a->inquiries <= 3 ? 0 : -15;
    pts[6] = cv_below(var_n2, sum, 3, 20) ? 15 : cv_below(var_n2, sum, 3, 10) ? 5 : -10;
    int score = 600;
    for (int i = 0; i < 7; i++)
        score += pts[i];
    d->score = score;

    /* 3. segment */
    d->tier = score >= 700 && grade_a ? PRIME : score >= 650 ? STANDARD : score >= 610 ? SUBPRIME : TIER_REFER;

    if (d->nreasons) {
        d->outcome = REJECT;
        return;
    }
    /* the three lowest characteristics, ties in table order */
    int order[7] = {0, 1, 2, 3, 4, 5, 6};
    for (int i = 1; i < 7; i++) {
        int v = order[i], j = i;
        while (j > 0 && pts[order[j - 1]] > pts[v]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    if (d->tier == TIER_REFER) {
        d->outcome = REFER;
        for (int i = 0; i < 3; i++)
            d->reasons[d->nreasons++] = (uint8_t)(R_SC_CREDIT_SCORE + order[i]);
        return;
    }

    /* 4. limit, in 1e-4 CNY */
    static const int64_t mult[3] = {30, 20, 10};
    int64_t cap = min64(min64(a->annual_revenue * mult[d->tier], a->tax_paid * 800),
                        min64(a->pos_flow * 25, 30000000000ll));
    if (a->has_collateral)
        cap += min64(a->collateral * 50, 10000000000ll);
    int64_t limit = floor_div(min64(cap, a->requested * 100), 10000000) * 1000;
    if (limit < 10000) {
        d->outcome = REFER;
        d->reasons[d->nreasons++] = R_LIMIT_TOO_LOW;
        for (int i = 0; i < 3; i++)
            d->reasons[d->nreasons++] = (uint8_t)(R_SC_CREDIT_SCORE + order[i]);
        return;
    }
    d->limit = limit;

    /* 5. price, in hundredths of a percent */
    int col = a->term <= 12 ? 0 : a->term <= 24 ? 1 : 2;
    int32_t rate = 310 + premium[d->tier][col];
    if (grade_a) rate -= 20;
    if (a->inquiries > 3) rate += 30;
    if (!a->has_collateral) rate += 50;
    d->rate = rate < 310 ? 310 : rate > 1240 ? 1240 : rate;
    d->outcome = APPROVE;
}

/* ---- writing ---- */

typedef struct obuf {
    char *p;
    size_t len, cap;
} obuf;

static void put(obuf *b, const char *s, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            fprintf(stderr, "handwritten: out of memory\n");
            exit(1);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void puts_(obuf *b, const char *s) { put(b, s, strlen(s)); }

static void put_int(obuf *b, int64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    put(b, tmp + i, sizeof tmp - i);
}

/* app_id  decision  score  segment  limit  rate  reasons */
static void write_tsv(obuf *b, const char *app_id, const decision *d, const char *err)
{
    puts_(b, app_id);
    put(b, "\t", 1);
    puts_(b, outcome_names[d->outcome]);
    if (d->outcome == ERROR) {
        put(b, "\t", 1);
        puts_(b, err);
        put(b, "\n", 1);
        return;
    }
    put(b, "\t", 1);
    put_int(b, d->score);
    put(b, "\t", 1);
    puts_(b, d->outcome == REJECT ? "-" : tier_names[d->tier]);
    if (d->outcome == APPROVE) {
        put(b, "\t", 1);
        put_int(b, d->limit);
        put(b, "\t", 1);
        put_int(b, d->rate / 100);
        char frac[3] = {(char)('0' + d->rate % 100 / 10), (char)('0' + d->rate % 10), '\t'};
        put(b, ".", 1);
        put(b, frac, 3);
        put(b, "-", 1);
    } else {
        put(b, "\t-\t-\t", 5);
        for (int i = 0; i < d->nreasons; i++) {
            if (i)
                put(b, ",", 1);
            puts_(b, reason_names[d->reasons[i]]);
        }
    }
    put(b, "\n", 1);
}

/* ---- driver ---- */

static void count(tally *t, const decision *d)
{
    t->n++;
    t->by[d->outcome]++;
    t->reasons += d->nreasons;
}

/* tsv and e2e: the way `credo run` works, line by line from the file. */
static int run_stream(const char *path, int reps, bool tsv)
{
    FILE *sink = tsv ? stdout : fopen("/dev/null", "wb");
    if (!sink) {
        perror("/dev/null");
        return 1;
    }
    double best = 1e300;
    tally t = {0};
    obuf out = {0};
    char *line = NULL;
    size_t cap = 0;
    double spent = 0;
    for (int r = 0; tsv ? r < 1 : more_passes(r, reps, spent); r++) {
        FILE *in = fopen(path, "rb");
        if (!in) {
            fprintf(stderr, "handwritten: cannot read %s: %s\n", path, strerror(errno));
            return 1;
        }
        memset(&t, 0, sizeof t);
        double t0 = now();
        ssize_t n;
        while ((n = getline(&line, &cap, in)) >= 0) {
            size_t len = trim(line, (size_t)n);
            app a;
            decision d;
            char err[256];
            if (read_app(line, len, &a, err, sizeof err)) {
                decide(&a, &d);
            } else {
                d.outcome = ERROR;
                d.nreasons = 0;
            }
            count(&t, &d);
            out.len = 0;
            write_tsv(&out, a.app_id[0] ? a.app_id : "null", &d, err);
            fwrite(out.p, 1, out.len, sink);
        }
        fflush(sink);
        double el = now() - t0;
        if (el < best)
            best = el;
        spent += el;
        fclose(in);
    }
    free(line);
    free(out.p);
    if (!tsv) {
        fclose(sink);
        report("e2e", &t, best);
    }
    return 0;
}

static int run_parsed(const char *path, int reps, bool decide_only)
{
    size_t *st, *ln, n;
    char *buf = slurp_lines(path, &st, &ln, &n);
    if (!buf)
        return 1;
    app *apps = decide_only ? malloc((n ? n : 1) * sizeof *apps) : NULL;
    bool *ok = malloc((n ? n : 1) * sizeof *ok);
    if ((decide_only && !apps) || !ok) {
        fprintf(stderr, "handwritten: out of memory\n");
        return 1;
    }
    double best = 1e300;
    tally t = {0};
    char err[256];
    if (decide_only) {
        for (size_t i = 0; i < n; i++)
            ok[i] = read_app(buf + st[i], ln[i], &apps[i], err, sizeof err);
        decision d;
        double spent = 0;
        for (int r = 0; more_passes(r, reps, spent); r++) {
            memset(&t, 0, sizeof t);
            double t0 = now();
            for (size_t i = 0; i < n; i++) {
                if (ok[i]) {
                    decide(&apps[i], &d);
                } else {
                    d.outcome = ERROR;
                    d.nreasons = 0;
                }
                count(&t, &d);
            }
            double el = now() - t0;
            if (el < best)
                best = el;
            spent += el;
        }
        report("decide", &t, best);
    } else {
        app a;
        double spent = 0;
        for (int r = 0; more_passes(r, reps, spent); r++) {
            memset(&t, 0, sizeof t);
            double t0 = now();
            for (size_t i = 0; i < n; i++) {
                decision d = {0};
                d.outcome = read_app(buf + st[i], ln[i], &a, err, sizeof err) ? APPROVE : ERROR;
                count(&t, &d);
            }
            double el = now() - t0;
            if (el < best)
                best = el;
            spent += el;
        }
        report("json", &t, best);
    }
    free(apps);
    free(ok);
    free(st);
    free(ln);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    read_min_seconds();
    if (argc < 3) {
        fprintf(stderr, "usage: handwritten tsv|e2e|decide|json FILE [REPS]\n");
        return 2;
    }
    int reps = argc >= 4 ? atoi(argv[3]) : 3;
    if (reps < 1)
        reps = 1;
    if (strcmp(argv[1], "tsv") == 0)
        return run_stream(argv[2], 1, true);
    if (strcmp(argv[1], "e2e") == 0)
        return run_stream(argv[2], reps, false);
    if (strcmp(argv[1], "decide") == 0)
        return run_parsed(argv[2], reps, true);
    if (strcmp(argv[1], "json") == 0)
        return run_parsed(argv[2], reps, false);
    fprintf(stderr, "handwritten: unknown mode %s\n", argv[1]);
    return 2;
}
