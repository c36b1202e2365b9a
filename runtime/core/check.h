/* CR_ASSERT: what the code relies on and does not test on the hot path,
 * stated where it is relied on.  Verified bytecode (lang/credoc_verify.c),
 * a type-checked syntax tree, checked input: the VM, the compiler and the
 * readers trust these completely, and an assertion says which promise is
 * being trusted.  Active where the sanitizers are (the second pass of
 * `make test`, built with -DCREDO_CHECKS); compiled out of the plain build,
 * so a decision pays nothing for them. */
#ifndef CREDO_CHECK_H
#define CREDO_CHECK_H

#ifdef CREDO_CHECKS
#include <stdio.h>
#include <stdlib.h>
#define CR_ASSERT(cond)                                                                       \
    ((cond) ? (void)0                                                                         \
            : (fprintf(stderr, "%s:%d: %s: assertion failed: %s\n", __FILE__, __LINE__, __func__, \
                       #cond),                                                                \
               abort()))
#else
#define CR_ASSERT(cond) ((void)0)
#endif

#endif
