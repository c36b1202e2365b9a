/* Bench inputs, deterministic.
 *
 *   gen [N [REFERENCE.jsonl]]   N applicants (default 100000) as JSON lines on stdout
 *   gen --policy N              a policy with N admission rules over the reference input
 *
 * Applicants: line i is reference line i % R (R = 5,000) with a unique
 * app_id "BENCH000000001"...  The first R lines are the reference
 * applicants unchanged (so the population keeps their ~7% of exact rule
 * and bin boundaries); every later copy has its amounts perturbed: one
 * business-size factor per applicant (0.80..1.25) times a per-field jitter
 * (+-3%), rounded to cents.  Integers, texts, booleans and nulls are kept,
 * so every line stays a valid reference applicant.  The perturbation is a
 * pure function of the line number, so the population is the same whether
 * written to a file or streamed into a pipe. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* uniform in [lo, hi] */
static int64_t rnd(uint64_t *x, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(splitmix(x) % (uint64_t)(hi - lo + 1));
}

static const char *const money_keys[] = {
    "annual_revenue", "tax_paid_12m", "pos_flow_12m", "monthly_income", "monthly_debt_payment",
    "requested_amount", "collateral_value", "monthly_sales",
};

static bool is_money_key(const char *k, size_t n)
{
    for (size_t i = 0; i < sizeof money_keys / sizeof money_keys[0]; i++)
        if (strlen(money_keys[i]) == n && memcmp(money_keys[i], k, n) == 0)
            return true;
    return false;
}

/* Writes the number s[0..n) scaled by ppm / 1e6, rounded half-up to cents;
 * a number with more than two decimals or an exponent is written as is. */
static void put_scaled(const char *s, size_t n, int64_t ppm, FILE *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && s[i] == '-')
        neg = true, i++;
    int64_t whole = 0, frac = 0;
    int fd = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && whole < 100000000000000ll)
        whole = whole * 10 + (s[i++] - '0');
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9' && fd < 3)
            frac = frac * 10 + (s[i++] - '0'), fd++;
    }
    if (i != n || fd > 2) {
        fwrite(s, 1, n, out);
        return;
    }
    while (fd < 2)
        frac *= 10, fd++;
    int64_t cents = whole * 100 + frac;
    int64_t scaled = (cents * ppm + 500000) / 1000000;
    fprintf(out, "%s%lld.%02lld", neg && scaled ? "-" : "", (long long)(scaled / 100), (long long)(scaled % 100));
}

static void put_applicant(const char *s, size_t n, uint64_t idx, bool perturb, FILE *out)
{
    uint64_t rng = idx * 0x2545F4914F6CDD1Dull + 12345;
    int64_t size_ppm = rnd(&rng, 800000, 1250000);
    const char *key = NULL;
    size_t keylen = 0;
    size_t i = 0;
    while (i < n) {
        char c = s[i];
        if (c == '"') {
            size_t j = i + 1;
            while (j < n && s[j] != '"')
                j += s[j] == '\\' ? 2 : 1;
            if (j >= n) { /* broken line: copy the rest */
                fwrite(s + i, 1, n - i, out);
                return;
            }
            size_t k = j + 1;
            while (k < n && (s[k] == ' ' || s[k] == '\t'))
                k++;
            if (k < n && s[k] == ':') {
                key = s + i + 1;
                keylen = j - i - 1;
                fwrite(s + i, 1, k + 1 - i, out);
                i = k + 1;
                continue;
            }
            if (key && keylen == 6 && memcmp(key, "app_id", 6) == 0)
                fprintf(out, "\"BENCH%09llu\"", (unsigned long long)idx + 1);
            else
                fwrite(s + i, 1, j + 1 - i, out);
            i = j + 1;
            continue;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            size_t j = i + 1;
            while (j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.' || s[j] == 'e' || s[j] == 'E' ||
                             s[j] == '+' || s[j] == '-'))
                j++;
            if (perturb && key && is_money_key(key, keylen)) {
                int64_t ppm = size_ppm * rnd(&rng, 970, 1030) / 1000;
                put_scaled(s + i, j - i, ppm, out);
            } else {
                fwrite(s + i, 1, j - i, out);
            }
            i = j;
            continue;
        }
        putc(c, out);
        i++;
    }
    putc('\n', out);
}

static int gen_applicants(uint64_t count, const char *ref)
{
    FILE *in = fopen(ref, "rb");
    if (!in) {
        perror(ref);
        return 1;
    }
    char **lines = NULL;
    size_t *lens = NULL;
    size_t nlines = 0, capl = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, in)) >= 0) {
        size_t len = (size_t)got;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len == 0)
            continue;
        if (nlines == capl) {
            capl = capl ? capl * 2 : 8192;
            lines = realloc(lines, capl * sizeof *lines);
            lens = realloc(lens, capl * sizeof *lens);
            if (!lines || !lens) {
                fprintf(stderr, "gen: out of memory\n");
                return 1;
            }
        }
        lines[nlines] = malloc(len);
        if (!lines[nlines]) {
            fprintf(stderr, "gen: out of memory\n");
            return 1;
        }
        memcpy(lines[nlines], line, len);
        lens[nlines++] = len;
    }
    free(line);
    fclose(in);
    if (nlines == 0) {
        fprintf(stderr, "gen: %s has no applicants\n", ref);
        return 1;
    }
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    for (uint64_t i = 0; i < count; i++)
        put_applicant(lines[i % nlines], lens[i % nlines], i, i >= nlines, stdout);
    for (size_t i = 0; i < nlines; i++)
        free(lines[i]);
    free(lines);
    free(lens);
    if (fflush(stdout) != 0)
        return 1;
    return 0;
}

/* ---- the N-rule policy ---- */

static const char policy_head[] =
    "# Generated by tests/bench/gen --policy: many admission rules over the\n"
    "# reference input, to time compiling and a long rule list per decision.\n"
    "policy bench_rules \"generated admission rules\"\n"
    "  version \"1\"\n"
    "\n"
    "input applicant {\n"
    "  app_id: text\n"
    "  age: int\n"
    "  business_years: number\n"
    "  industry: text\n"
    "  uscc: text\n"
    "  annual_revenue: money\n"
    "  tax_paid_12m: money\n"
    "  tax_grade: text\n"
    "  pos_flow_12m: money\n"
    "  monthly_income: money\n"
    "  monthly_debt_payment: money\n"
    "  credit_score: int\n"
    "  overdue_count_24m: int\n"
    "  max_overdue_days_24m: int\n"
    "  inquiries_3m: int\n"
    "  blacklisted: bool\n"
    "  requested_amount: money\n"
    "  requested_term: int\n"
    "  collateral_value: money?\n"
    "  monthly_sales: list of money\n"
    "}\n"
    "\n"
    "let dti = monthly_debt_payment / monthly_income\n"
    "let first_quarter = sum(monthly_sales[0..2])\n"
    "let last_quarter = sum(monthly_sales[-3..-1])\n"
    "\n"
    "admission {\n";

static void money(uint64_t *rng, int64_t lo, int64_t hi, char *buf, size_t size)
{
    int64_t c = rnd(rng, lo * 100, hi * 100);
    snprintf(buf, size, "%lld.%02lld", (long long)(c / 100), (long long)(c % 100));
}

static int gen_policy(uint64_t nrules)
{
    uint64_t rng = 42;
    fputs(policy_head, stdout);
    for (uint64_t r = 1; r <= nrules; r++) {
        char a[32], b[32];
        const char *kind = rnd(&rng, 0, 9) < 7 ? "reject" : "refer ";
        printf("  %s R%05llu when ", kind, (unsigned long long)r);
        switch (r % 12) {
        case 0:
            printf("credit_score < %lld and inquiries_3m > %lld", (long long)rnd(&rng, 300, 520), (long long)rnd(&rng, 2, 8));
            break;
        case 1:
            printf("age > %lld and business_years < %lld.%lld", (long long)rnd(&rng, 55, 70), (long long)rnd(&rng, 1, 3),
                   (long long)rnd(&rng, 0, 9));
            break;
        case 2:
            money(&rng, 50000, 400000, a, sizeof a);
            printf("annual_revenue < %s and tax_grade == \"%s\"", a, rnd(&rng, 0, 1) ? "B" : "M");
            break;
        case 3:
            printf("industry in {\"%c%02lld\", \"%c%02lld\", \"%c%02lld\"}", (int)('A' + rnd(&rng, 0, 19)),
                   (long long)rnd(&rng, 1, 99), (int)('A' + rnd(&rng, 0, 19)), (long long)rnd(&rng, 1, 99),
                   (int)('A' + rnd(&rng, 0, 19)), (long long)rnd(&rng, 1, 99));
            break;
        case 4:
            printf("dti > 0.%02lld and credit_score < %lld", (long long)rnd(&rng, 55, 95), (long long)rnd(&rng, 600, 800));
            break;
        case 5:
            money(&rng, 100000, 2000000, a, sizeof a);
            printf("(collateral_value ?? 0) > %s and requested_amount > pos_flow_12m * 0.%lld", a, (long long)rnd(&rng, 3, 9));
            break;
        case 6:
            money(&rng, 500, 20000, a, sizeof a);
            printf("monthly_sales[%lld] < %s", (long long)rnd(&rng, 0, 11), a);
            break;
        case 7:
            printf("overdue_count_24m > %lld or max_overdue_days_24m > %lld", (long long)rnd(&rng, 2, 6),
                   (long long)rnd(&rng, 60, 150));
            break;
        case 8:
            printf("requested_amount > annual_revenue * 0.%lld", (long long)rnd(&rng, 4, 9));
            break;
        case 9:
            printf("tax_paid_12m < annual_revenue * 0.00%lld", (long long)rnd(&rng, 1, 5));
            break;
        case 10:
            money(&rng, 1000, 5000, a, sizeof a);
            money(&rng, 100000, 900000, b, sizeof b);
            printf("requested_term > %d and monthly_income < %s and requested_amount > %s", rnd(&rng, 0, 1) ? 12 : 24, a, b);
            break;
        default:
            printf("last_quarter < 0.%lld * first_quarter or blacklisted", (long long)rnd(&rng, 2, 4));
            break;
        }
        putchar('\n');
    }
    fputs("}\n", stdout);
    return fflush(stdout) != 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--policy") == 0) {
        uint64_t n = argc >= 3 ? strtoull(argv[2], NULL, 10) : 1000;
        return gen_policy(n ? n : 1000);
    }
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fprintf(stderr, "usage: gen [N [REFERENCE.jsonl]] | gen --policy N\n");
        return 2;
    }
    uint64_t n = argc >= 2 ? strtoull(argv[1], NULL, 10) : 100000;
    const char *ref = argc >= 3 ? argv[2] : "tests/reference/applicants.jsonl";
    return gen_applicants(n, ref);
}
