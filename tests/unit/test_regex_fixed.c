/* Unit tests for runtime/vm/regex_fixed.h: the fixed-shape matcher must say
 * exactly what PCRE2 says (compiled with the flags lang/sema.c uses) on
 * every pattern it accepts, and refuse every pattern outside its grammar.
 * Checked on chosen patterns and on random ones, built from the grammar
 * with a chance of a foreign piece at every step, each against subjects
 * made to match and then spoiled one way or another. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "runtime/vm/regex_fixed.h"

static pcre2_code *pcre(const char *pat, size_t len)
{
    int code;
    PCRE2_SIZE off;
    return pcre2_compile((PCRE2_SPTR)pat, len, PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &code, &off, NULL);
}

static bool pcre_matches(pcre2_code *re, const char *s, size_t len)
{
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    assert_true(rc >= 0 || rc == PCRE2_ERROR_NOMATCH);
    return rc >= 0;
}

/* Both engines on one subject; on a disagreement, says which. */
static void agree(const char *pat, pcre2_code *re, const cr_regex_fixed *fx, const char *s, size_t len)
{
    bool want = pcre_matches(re, s, len), got = cr_regex_fixed_match(fx, s, len);
    if (want != got)
        fail_msg("/%s/ on \"%.*s\" (%zu bytes): PCRE2 %d, fixed %d", pat, (int)len, s, len, want, got);
}

static void test_chosen_patterns(void **state)
{
    (void)state;
    static const struct { const char *pat, *subject; bool match; } cases[] = {
        {"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$", "91350211MA2XXXXX1K", true},
        {"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$", "91350211MA2XXXXX1I", false},
        {"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$", "91350211MA2XXXXX1K\n", false},
        {"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$", "91350211MA2XXXXX1", false},
        {"^[0-9]{4}$", "2026", true},
        {"^[0-9]{4}$", "２０２６", false},           /* full-width digits: not ASCII */
        {"^\\d{3}-\\d{4}$", "555-1234", true},
        {"^\\d{3}-\\d{4}$", "555_1234", false},
        {"^[a-]{2}$", "-a", true},
        {"^[-a]b$", "-b", true},
        {"^a\\.b$", "a.b", true},
        {"^a\\.b$", "axb", false},
        {"^$", "", true},
        {"^$", "\n", false},
        {"^é$", "é", true},                          /* refused below: PCRE2 alone matches it */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *pat = cases[i].pat;
        pcre2_code *re = pcre(pat, strlen(pat));
        assert_non_null(re);
        assert_int_equal(pcre_matches(re, cases[i].subject, strlen(cases[i].subject)), cases[i].match);
        cr_regex_fixed *fx = cr_regex_fixed_compile(pat, strlen(pat));
        if (strcmp(pat, "^é$") == 0) {
            assert_null(fx);
        } else {
            assert_non_null(fx);
            assert_int_equal(cr_regex_fixed_match(fx, cases[i].subject, strlen(cases[i].subject)), cases[i].match);
        }
        free(fx);
        pcre2_code_free(re);
    }
}

/* Patterns outside the grammar: PCRE2 keeps them. */
static void test_refused(void **state)
{
    (void)state;
    static const char *const refused[] = {
        "[0-9]{4}$", "^[0-9]{4}", "^(a+)+$", "^a|b$", "^a+$", "^a*$", "^a?$", "^a{2,3}$", "^a{2,}$",
        "^a{0}$", "^a{1000}$", "^a{2}?$", "^a{2}+$", "^[^a]$", "^[]a]$", "^[]$", "^[a$", "^.$", "^\\w$",
        "^\\s$", "^\\D$", "^\\x41$", "^[\\d]$", "^[[:alpha:]]$", "^[a-c-e]$", "^[z-a]$", "^[a-\\]$",
        "^(?i)a$", "^a\\$", "^\\1$", "^a{$", "^a{2$", "^é$", "^a\tb$", "^[--/]$",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        cr_regex_fixed *fx = cr_regex_fixed_compile(refused[i], strlen(refused[i]));
        if (fx)
            fail_msg("/%s/ should be left to PCRE2", refused[i]);
    }
}

/* ---- random patterns ---- */

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static const char foreign[] = "^$.|()?*+{}[]\\-,0123456789\t\x7f";

/* A pattern from the grammar, with a small chance of a foreign byte
 * anywhere. */
static size_t random_pattern(char *out)
{
    size_t n = 0;
    if (rnd(40)) out[n++] = '^';
    int atoms = (int)rnd(6);
    for (int a = 0; a < atoms; a++) {
        switch (rnd(4)) {
        case 0: {                                  /* a literal, maybe escaped */
            char c = (char)(0x20 + rnd(0x5f));
            if (rnd(3) == 0 && !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
                out[n++] = '\\';
            out[n++] = c;
            break;
        }
        case 1: out[n++] = '\\'; out[n++] = rnd(8) ? 'd' : (char)('a' + rnd(26)); break;
        default: {                                 /* a class */
            out[n++] = '[';
            int items = 1 + (int)rnd(4);
            for (int i = 0; i < items; i++) {
                char c = (char)(0x21 + rnd(0x5e));
                out[n++] = c;
                if (rnd(2)) {
                    out[n++] = '-';
                    out[n++] = (char)(c + rnd(12));
                }
            }
            out[n++] = ']';
        }
        }
        if (rnd(2)) n += (size_t)sprintf(out + n, "{%u}", 1 + rnd(rnd(5) ? 4 : 12));
        if (rnd(30) == 0) out[n++] = foreign[rnd(sizeof foreign - 1)];
    }
    if (rnd(40)) out[n++] = '$';
    out[n] = '\0';
    return n;
}

/* A subject the matcher accepts, then maybe spoiled. */
static size_t random_subject(const cr_regex_fixed *fx, char *out)
{
    size_t n = 0;
    for (uint32_t r = 0; r < fx->nruns; r++)
        for (uint32_t i = 0; i < fx->runs[r].count; i++) {
            unsigned c;
            do
                c = rnd(128);
            while (!(fx->runs[r].set[c >> 6] >> (c & 63) & 1));
            out[n++] = (char)c;
        }
    switch (rnd(8)) {
    case 0: if (n) out[rnd((uint32_t)n)] = (char)(0x20 + rnd(0x5f)); break;  /* one byte changed */
    case 1: out[n++] = '\n'; break;                                           /* a final newline */
    case 2: if (n) n--; break;                                                /* one short */
    case 3: out[n++] = (char)(0x20 + rnd(0x5f)); break;                       /* one long */
    case 4: if (n >= 2) { memcpy(out + n - 2, "\xc3\xa9", 2); } break;        /* a two-byte character */
    case 5: if (n) out[rnd((uint32_t)n)] = '\0'; break;
    default: break;                                                           /* as made */
    }
    return n;
}

static void test_random_against_pcre2(void **state)
{
    (void)state;
    char pat[256], subject[128];
    int accepted = 0, matched = 0;
    for (int t = 0; t < 20000; t++) {
        size_t plen = random_pattern(pat);
        cr_regex_fixed *fx = cr_regex_fixed_compile(pat, plen);
        if (!fx)
            continue;
        if (fx->length > 100) {
            free(fx);
            continue;
        }
        pcre2_code *re = pcre(pat, plen);
        if (!re)
            fail_msg("/%s/ accepted but PCRE2 does not compile it", pat);
        accepted++;
        for (int k = 0; k < 20; k++) {
            size_t slen = random_subject(fx, subject);
            agree(pat, re, fx, subject, slen);
            matched += cr_regex_fixed_match(fx, subject, slen);
        }
        pcre2_code_free(re);
        free(fx);
    }
    /* the generator must reach both sides of the question */
    assert_true(accepted > 5000);
    assert_true(matched > 20000 && matched < accepted * 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chosen_patterns),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_random_against_pcre2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
