/* Built-in functions.  Every family (math.c, list.c, text.c, date.c)
 * registers its functions in the one table of registry.c; the compiler
 * checks arity and argument types against it and the VM calls through it.
 * Regular expressions (regex.c) are an operator, not a call: `x matches /re/`. */
#ifndef CREDO_STDLIB_H
#define CREDO_STDLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/core/arena.h"
#include "runtime/core/value.h"
#include "stdlib/num_fast.h"

/* What a built-in may use: the application's arena for results that need
 * memory, and a buffer for the error that stops the application. */
typedef struct cr_call_ctx {
    cr_arena *arena;
    char *err;
    size_t errsize;
    /* The last mean avg computed, and of which list: stdev needs the same
     * mean, and a policy usually asks for both (the coefficient of
     * variation).  The context lives for one application and values never
     * change, so the list's address and length name it.  Zero: none. */
    const cr_value *mean_of;
    uint32_t mean_len;
    int mean_sum_scale; /* the list's largest scale, or -1: its sum was not
                           formed in int64 (stdlib/list.c) */
    cr_value mean;
    /* What the built-ins called since the VM last took it did beyond
     * their call: one for each item of a list and each 64 bytes of a text
     * they read (README.md, "What the budget counts").  The VM takes it
     * from the application's instruction budget after each call. */
    uint64_t work;
} cr_call_ctx;

/* Returns false after writing an error with cr_call_fail. */
typedef bool (*cr_builtin_fn)(cr_call_ctx *cx, const cr_value *args, uint32_t n, cr_value *out);

/* Argument kinds (one letter per argument, the last repeats when
 * max_args > strlen):
 *   N int or decimal    I int          T text         D date
 *   L list of numbers   S text or list (len)          X any list
 *   V numbers, or a single list of numbers (min, max)
 * Result kinds: I int, R decimal, B bool, T text, D date,
 *   P int when every numeric argument is int, else decimal
 *   E the element type of the list argument (int or decimal) */
typedef struct cr_builtin {
    const char *name;
    cr_builtin_fn fn;
    uint8_t min_args, max_args;
    const char *args;
    char ret;
    const char *doc;
} cr_builtin;

extern const cr_builtin cr_builtins[];
extern const uint32_t cr_nbuiltins;

/* Index in cr_builtins, or -1. */
int cr_builtin_find(const char *name);

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
bool cr_call_fail(cr_call_ctx *cx, const char *fmt, ...);

/* Arithmetic shared by the VM and the built-ins: int when both are int
 * (overflow is an error), exact decimal otherwise. */
bool cr_num_add(cr_call_ctx *cx, cr_value a, cr_value b, cr_value *out);
bool cr_num_sub(cr_call_ctx *cx, cr_value a, cr_value b, cr_value *out);
bool cr_num_mul(cr_call_ctx *cx, cr_value a, cr_value b, cr_value *out);
bool cr_num_div(cr_call_ctx *cx, cr_value a, cr_value b, cr_value *out);
bool cr_num_mod(cr_call_ctx *cx, cr_value a, cr_value b, cr_value *out);
bool cr_num_neg(cr_call_ctx *cx, cr_value a, cr_value *out);
bool cr_dec_result(cr_call_ctx *cx, cr_dec_status st, cr_dec d, cr_value *out);
/* -1, 0, 1 for two numbers (int or decimal). */
int cr_num_cmp(cr_value a, cr_value b);
/* Order of two values of one type (numbers, texts by bytes, dates, bools);
 * equality by value for everything else. */
int cr_value_cmp(cr_value a, cr_value b);
bool cr_value_eq(cr_value a, cr_value b);

/* Family functions, registered in registry.c. */
#define CR_BUILTIN(name) bool name(cr_call_ctx *cx, const cr_value *args, uint32_t n, cr_value *out)
CR_BUILTIN(cr_fn_min); CR_BUILTIN(cr_fn_max); CR_BUILTIN(cr_fn_clamp); CR_BUILTIN(cr_fn_abs);
CR_BUILTIN(cr_fn_sqrt); CR_BUILTIN(cr_fn_round); CR_BUILTIN(cr_fn_round_half_even);
CR_BUILTIN(cr_fn_floor_to); CR_BUILTIN(cr_fn_ceil_to); CR_BUILTIN(cr_fn_floor); CR_BUILTIN(cr_fn_ceil);
CR_BUILTIN(cr_fn_sum); CR_BUILTIN(cr_fn_avg); CR_BUILTIN(cr_fn_count); CR_BUILTIN(cr_fn_stdev);
CR_BUILTIN(cr_fn_len); CR_BUILTIN(cr_fn_upper); CR_BUILTIN(cr_fn_lower);
CR_BUILTIN(cr_fn_starts_with); CR_BUILTIN(cr_fn_ends_with); CR_BUILTIN(cr_fn_contains);
CR_BUILTIN(cr_fn_days_between); CR_BUILTIN(cr_fn_months_between); CR_BUILTIN(cr_fn_add_months);
CR_BUILTIN(cr_fn_add_days); CR_BUILTIN(cr_fn_year); CR_BUILTIN(cr_fn_month); CR_BUILTIN(cr_fn_day);
CR_BUILTIN(cr_fn_pow); CR_BUILTIN(cr_fn_equal_instalment); CR_BUILTIN(cr_fn_equal_principal_instalment);
CR_BUILTIN(cr_fn_apr);
CR_BUILTIN(cr_fn_round_half_down); CR_BUILTIN(cr_fn_round_up); CR_BUILTIN(cr_fn_round_down);
CR_BUILTIN(cr_fn_round_floor); CR_BUILTIN(cr_fn_round_ceil);

#endif
