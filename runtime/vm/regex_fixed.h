/* Fixed-shape regular expressions matched without PCRE2.
 *
 * Format checks in credit policies are mostly one shape: anchored at both
 * ends, a row of ASCII characters and classes, each a fixed number of times
 * (a unified social credit code, a four-digit year, a branch code).  PCRE2's
 * JIT spends a few hundred instructions and an indirect call into its own
 * code on each; this is a length test and one table lookup per byte.
 *
 * cr_regex_fixed_compile accepts exactly this grammar, and nothing else:
 *     ^ ATOM QUANT? ... ATOM QUANT? $
 *     ATOM  := a printable ASCII character that is not one of \^$.[|()?*+{
 *            | \ followed by printable ASCII punctuation (that character)
 *            | \d                       (ASCII digits: no PCRE2_UCP)
 *            | [ ITEM... ]              (not negated, not opening with one
 *                                        of : . = (PCRE2's POSIX forms);
 *                                        ITEM a printable ASCII character
 *                                        other than \ [ ], or a range x-y
 *                                        with x <= y; a - first or last is
 *                                        itself)
 *     QUANT := {n}                      (1 <= n <= 999)
 * For such a pattern, compiled by PCRE2 with PCRE2_UTF and
 * PCRE2_DOLLAR_ENDONLY as lang/sema.c does, a subject matches exactly when
 * it has the pattern's fixed length in bytes and each byte is in its
 * position's set: every set is ASCII, so a byte of a multi-byte character
 * is in none, as its character is in no ASCII class.  Anything outside the
 * grammar (alternation, groups, other quantifiers, flags, negated classes,
 * other escapes) stays with PCRE2.  tests/unit/test_regex_fixed.c checks
 * both against each other on random patterns and subjects. */
#ifndef CREDO_REGEX_FIXED_H
#define CREDO_REGEX_FIXED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cr_regex_run {
    uint64_t set[4];  /* bit c of set[c >> 6]: byte c matches (never one >= 128) */
    uint32_t count;   /* how many bytes in a row */
} cr_regex_run;

typedef struct cr_regex_fixed {
    uint32_t nruns;
    uint32_t length;  /* sum of the counts: the only length that matches */
    cr_regex_run runs[];
} cr_regex_fixed;

/* The matcher for pattern pat[0..len), allocated with malloc (free() it),
 * or NULL when the pattern is outside the grammar above or memory is short:
 * then PCRE2 matches it. */
cr_regex_fixed *cr_regex_fixed_compile(const char *pat, size_t len);

static inline bool cr_regex_fixed_match(const cr_regex_fixed *re, const char *s, size_t len)
{
    if (len != re->length)
        return false;
    const unsigned char *p = (const unsigned char *)s;
    for (uint32_t r = 0; r < re->nruns; r++) {
        const cr_regex_run *run = &re->runs[r];
        for (uint32_t i = 0; i < run->count; i++, p++)
            if (!(run->set[*p >> 6] >> (*p & 63) & 1))
                return false;
    }
    return true;
}

#endif
