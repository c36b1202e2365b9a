/* Unit tests for the limits a caller of the C API sets (runtime/core/limit.h,
 * README.md "Limits"): each checked against its maximum, the JSON reader
 * taking a larger limit as the maximum, and the regex limits at the limit
 * and one past it.  The command line's limits are in
 * tests/golden/limits.sh. */
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

#include "lang/compile.h"
#include "runtime/io/decision_json.h"
#include "runtime/io/json_read.h"
#include "runtime/core/limit.h"
#include "runtime/vm/vm.h"

/* ---- helpers ---------------------------------------------------------------- */

static cr_program *compile(const char *src)
{
    cr_diags d;
    cr_diags_init(&d, "t.credo", src, strlen(src));
    cr_program *p = cr_compile("t.credo", src, strlen(src), &d);
    if (!p || d.errors)
        cr_diags_print(&d, stderr);
    cr_diags_free(&d);
    assert_non_null(p);
    return p;
}

/* Reads and runs one application; true when decided, else the error
 * (reader's or run's) in err. */
static bool decide(cr_session *s, const char *json, size_t len, const cr_json_limits *jl, char *err, size_t errsize)
{
    char *line = malloc(len ? len : 1);   /* exactly the line: ASan sees a read past it */
    assert_non_null(line);
    memcpy(line, json, len);
    cr_json_result res;
    cr_session_begin(s);
    bool ok = false;
    if (cr_json_read(s->prog->input, line, len, &s->arena, jl, s->slots, &res) != 0)
        snprintf(err, errsize, "%s", res.error);
    else if (!cr_session_run(s))
        snprintf(err, errsize, "%s", s->error);
    else
        ok = true;
    free(line);
    return ok;
}

/* ---- checking a caller's limits ------------------------------------------------ */

static void test_session_limits_check(void **state)
{
    (void)state;
    char err[256];
    cr_session_limits l = CR_SESSION_LIMITS_DEFAULT;
    assert_true(cr_session_limits_check(&l, err, sizeof err));
    l = (cr_session_limits){CR_MAX_INSTRUCTIONS_MAX, CR_MAX_MEMORY_MAX, CR_REGEX_MATCH_LIMIT_MAX,
                            CR_REGEX_DEPTH_LIMIT_MAX, CR_DEADLINE_MS_MAX};
    assert_true(cr_session_limits_check(&l, err, sizeof err));

    l.deadline_ms++;
    assert_false(cr_session_limits_check(&l, err, sizeof err));
    assert_string_equal(err, "deadline (ms) 60001 is more than the maximum, 60000");
    l.deadline_ms = 0;   /* none */
    assert_true(cr_session_limits_check(&l, err, sizeof err));

    l.max_instructions++;
    assert_false(cr_session_limits_check(&l, err, sizeof err));
    assert_string_equal(err, "instruction budget 1000000001 is more than the maximum, 1000000000");
    l.max_instructions = 0;
    assert_false(cr_session_limits_check(&l, err, sizeof err));
    assert_string_equal(err, "instruction budget must be at least 1");
    l.max_instructions = 1;

    l.max_memory++;
    assert_false(cr_session_limits_check(&l, err, sizeof err));
    assert_string_equal(err, "memory limit 1073741825 bytes is more than the maximum, 1 GiB");
    l.max_memory = 0;   /* the arena would take 0 as no limit at all */
    assert_false(cr_session_limits_check(&l, err, sizeof err));
    assert_string_equal(err, "memory limit must be at least 1");
    l.max_memory = 1;

    l.regex_match_limit++;
    assert_false(cr_session_limits_check(&l, err, sizeof err));
    assert_string_equal(err, "regex match limit 10000001 is more than the maximum, 10000000");
    l.regex_match_limit = 1;

    l.regex_depth_limit++;
    assert_false(cr_session_limits_check(&l, err, sizeof err));
    assert_string_equal(err, "regex depth limit 100001 is more than the maximum, 100000");
}

static void test_json_limits_check(void **state)
{
    (void)state;
    char err[256];
    cr_json_limits l = CR_JSON_LIMITS_DEFAULT;
    assert_true(cr_json_limits_check(&l, err, sizeof err));
    l = (cr_json_limits){CR_JSON_MAX_DEPTH, CR_JSON_MAX_TEXT, CR_JSON_MAX_LIST};
    assert_true(cr_json_limits_check(&l, err, sizeof err));
    l.max_depth++;
    assert_false(cr_json_limits_check(&l, err, sizeof err));
    assert_string_equal(err, "JSON depth limit 1001 is more than the maximum, 1000");
    l.max_depth = CR_JSON_MAX_DEPTH;
    l.max_text++;
    assert_false(cr_json_limits_check(&l, err, sizeof err));
    assert_string_equal(err, "JSON text limit 16777217 bytes is more than the maximum, 16 MiB");
    l.max_text = CR_JSON_MAX_TEXT;
    l.max_list++;
    assert_false(cr_json_limits_check(&l, err, sizeof err));
    assert_string_equal(err, "JSON list limit 10000001 is more than the maximum, 10000000");
}

static void test_sizes(void **state)
{
    (void)state;
    char b[32];
    uint64_t n;
    assert_string_equal(cr_size_text(16u << 20, b, sizeof b), "16 MiB");
    assert_string_equal(cr_size_text(1u << 30, b, sizeof b), "1 GiB");
    assert_string_equal(cr_size_text(65536, b, sizeof b), "64 KiB");
    assert_string_equal(cr_size_text(100, b, sizeof b), "100 bytes");
    assert_string_equal(cr_size_text(1, b, sizeof b), "1 byte");
    assert_true(cr_size_parse("64M", &n) && n == 64u << 20);
    assert_true(cr_size_parse("1G", &n) && n == 1u << 30);
    assert_true(cr_size_parse("2KiB", &n) && n == 2048);
    assert_true(cr_size_parse("3mb", &n) && n == 3u << 20);
    assert_true(cr_size_parse("100", &n) && n == 100);
    assert_false(cr_size_parse("", &n));
    assert_false(cr_size_parse("-1", &n));
    assert_false(cr_size_parse("12X", &n));
    assert_false(cr_size_parse("99999999999999999999", &n));
    assert_false(cr_size_parse("17179869184G", &n));   /* 2^64 bytes */
}

/* ---- the JSON reader takes a limit past the maximum as the maximum ------------ */

static const char text_policy[] = "policy t\ninput a { name: text }\nn = len(name)\n";

/* {"x": 1 + depth nested lists ... }, an unknown member, so only depth counts */
static char *nested(int lists, size_t *len)
{
    static const char head[] = "{\"name\":\"n\",\"x\":";
    size_t n = sizeof head - 1 + 2 * (size_t)lists + 1;
    char *s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, head, sizeof head - 1);
    size_t o = sizeof head - 1;
    for (int i = 0; i < lists; i++)
        s[o++] = '[';
    for (int i = 0; i < lists; i++)
        s[o++] = ']';
    s[o++] = '}';
    s[o] = '\0';
    *len = o;
    return s;
}

static void test_json_depth_clamped(void **state)
{
    (void)state;
    cr_program *p = compile(text_policy);
    cr_session *s = cr_session_new(p, NULL);
    assert_non_null(s);
    cr_json_limits asked = {5000, 1u << 20, 100};   /* more than CR_JSON_MAX_DEPTH */
    char err[512];
    size_t len;
    char *line = nested((int)CR_JSON_MAX_DEPTH - 1, &len);   /* the object and 999 lists: depth 1000 */
    assert_true(decide(s, line, len, &asked, err, sizeof err));
    free(line);
    line = nested((int)CR_JSON_MAX_DEPTH, &len);             /* 1001 */
    assert_false(decide(s, line, len, &asked, err, sizeof err));
    assert_non_null(strstr(err, "nested deeper than 1000"));
    free(line);
    cr_session_free(s);
    cr_program_free(p);
}

static void test_json_text_clamped(void **state)
{
    (void)state;
    cr_program *p = compile(text_policy);
    cr_session_limits lim = CR_SESSION_LIMITS_DEFAULT;
    cr_session *s = cr_session_new(p, &lim);
    assert_non_null(s);
    cr_json_limits asked = {64, UINT32_MAX, 100};
    size_t max = CR_JSON_MAX_TEXT, len = max + 1 + 12;
    char *line = malloc(len + 1);
    assert_non_null(line);
    memcpy(line, "{\"name\":\"", 9);
    memset(line + 9, 'a', max + 1);
    char err[512];
    memcpy(line + 9 + max, "\"}", 2);                         /* 16 MiB */
    assert_true(decide(s, line, 9 + max + 2, &asked, err, sizeof err));
    line[9 + max] = 'a';
    memcpy(line + 9 + max + 1, "\"}", 2);                     /* 16 MiB + 1 */
    assert_false(decide(s, line, 9 + max + 3, &asked, err, sizeof err));
    assert_string_equal(err, "name: text is longer than 16777216 bytes");
    free(line);
    cr_session_free(s);
    cr_program_free(p);
}

/* ---- regex limits ------------------------------------------------------------ */

static const char regex_policy[] =
    "policy t\n"
    "input a { name: text }\n"
    "bad = name matches /(a+)+$/\n";

/* Does the program's one regex run under PCRE2's JIT? */
static bool jit_in_use(const cr_program *p)
{
    size_t size = 0;
    return p->nregex > 0 && pcre2_pattern_info(p->regex[0], PCRE2_INFO_JITSIZE, &size) == 0 && size > 0;
}

static bool decide_regex(const cr_program *p, uint32_t match_limit, uint32_t depth_limit, const char *json,
                         char *err, size_t errsize)
{
    cr_session_limits lim = CR_SESSION_LIMITS_DEFAULT;
    lim.regex_match_limit = match_limit;
    lim.regex_depth_limit = depth_limit;
    cr_session *s = cr_session_new(p, &lim);
    assert_non_null(s);
    cr_json_limits jl = CR_JSON_LIMITS_DEFAULT;
    bool ok = decide(s, json, strlen(json), &jl, err, errsize);
    cr_session_free(s);
    return ok;
}

static void test_regex_match_limit(void **state)
{
    (void)state;
    cr_program *p = compile(regex_policy);
    static const char app[] = "{\"name\":\"aaaaaaaaaaaa!\"}";   /* 12 a's: 2^12 ways to fail */
    char err[512];
    /* the least match limit that lets it finish, by bisection */
    uint32_t lo = 1, hi = CR_REGEX_MATCH_LIMIT_MAX;
    assert_true(decide_regex(p, hi, 1000, app, err, sizeof err));
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (decide_regex(p, mid, 1000, app, err, sizeof err))
            hi = mid;
        else
            lo = mid;
    }
    assert_true(decide_regex(p, hi, 1000, app, err, sizeof err));
    assert_false(decide_regex(p, hi - 1, 1000, app, err, sizeof err));
    assert_string_equal(err, "t.credo:3:7: regular expression failed: match limit exceeded (in bad)");
    /* 30 a's and a '!' need 2^30: the default limit stops it at once */
    static const char hostile[] = "{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"}";
    assert_false(decide_regex(p, 100000, 1000, hostile, err, sizeof err));
    assert_string_equal(err, "t.credo:3:7: regular expression failed: match limit exceeded (in bad)");
    cr_program_free(p);
}

/* The depth limit bounds PCRE2's interpreter.  Where the JIT runs the
 * pattern instead (x86-64, arm64), PCRE2 ignores it and the JIT's own
 * stack (32 KiB) bounds the recursion: a subject that needs more is a
 * clean ERROR too. */
static void test_regex_depth_limit(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input a { name: text }\n"
        "ok = name matches /^(?:(a)|b)*$/\n";
    cr_program *p = compile(src);
    size_t n = 200000;
    char *app = malloc(n + 16);
    assert_non_null(app);
    memcpy(app, "{\"name\":\"", 9);
    char err[512];
    if (jit_in_use(p)) {
        memset(app + 9, 'a', n);
        memcpy(app + 9 + n, "\"}", 3);
        assert_false(decide_regex(p, CR_REGEX_MATCH_LIMIT_MAX, 1, app, err, sizeof err));
        assert_string_equal(err, "t.credo:3:6: regular expression failed: JIT stack limit reached (in ok)");
        memcpy(app + 9 + 100, "\"}", 3);
        assert_true(decide_regex(p, CR_REGEX_MATCH_LIMIT_MAX, 1, app, err, sizeof err));
    } else {
        /* the least depth limit for 100 a's, by bisection */
        memset(app + 9, 'a', 100);
        memcpy(app + 9 + 100, "\"}", 3);
        uint32_t lo = 1, hi = CR_REGEX_DEPTH_LIMIT_MAX;
        assert_true(decide_regex(p, CR_REGEX_MATCH_LIMIT_MAX, hi, app, err, sizeof err));
        while (hi - lo > 1) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (decide_regex(p, CR_REGEX_MATCH_LIMIT_MAX, mid, app, err, sizeof err))
                hi = mid;
            else
                lo = mid;
        }
        assert_true(decide_regex(p, CR_REGEX_MATCH_LIMIT_MAX, hi, app, err, sizeof err));
        assert_false(decide_regex(p, CR_REGEX_MATCH_LIMIT_MAX, hi - 1, app, err, sizeof err));
        assert_string_equal(err, "t.credo:3:6: regular expression failed: matching depth limit exceeded (in ok)");
    }
    free(app);
    cr_program_free(p);
}

/* ---- the deadline ------------------------------------------------------------ */

/* A policy without loops (run by the loop that does not count
 * instructions): 64 passes over a text of 1 MiB take far longer than 1 ms
 * and fit the largest budget; the deadline stops them, naming itself,
 * and the session decides the next application. */
static void test_deadline(void **state)
{
    (void)state;
    char src[4096];
    size_t at = (size_t)snprintf(src, sizeof src, "policy t\ninput a { name: text }\n");
    for (int i = 0; i < 64; i++)
        at += (size_t)snprintf(src + at, sizeof src - at, "r%d = len(upper(name))\n", i);
    cr_program *p = compile(src);
    cr_session_limits lim = CR_SESSION_LIMITS_DEFAULT;
    lim.max_instructions = CR_MAX_INSTRUCTIONS_MAX;
    lim.max_memory = CR_MAX_MEMORY_MAX;
    cr_json_limits jl = CR_JSON_LIMITS_DEFAULT;
    size_t n = (size_t)1 << 20;   /* the JSON text limit */
    char *line = malloc(n + 16);
    assert_non_null(line);
    memcpy(line, "{\"name\":\"", 9);
    memset(line + 9, 'a', n);
    memcpy(line + 9 + n, "\"}", 2);
    char err[512];
    cr_session *s = cr_session_new(p, &lim);
    assert_non_null(s);
    assert_true(decide(s, line, 9 + n + 2, &jl, err, sizeof err));   /* no deadline: decided */
    cr_session_free(s);
    lim.deadline_ms = 1;
    s = cr_session_new(p, &lim);
    assert_non_null(s);
    assert_false(decide(s, line, 9 + n + 2, &jl, err, sizeof err));
    assert_non_null(strstr(err, ": deadline of 1 ms exceeded (in r"));
    assert_true(decide(s, "{\"name\":\"ab\"}", 13, &jl, err, sizeof err));
    cr_session_free(s);
    free(line);
    cr_program_free(p);
}

/* An arena rewound to a mark forgets what came after it, blocks and all,
 * and hands out the same memory again (the VM's run done again, counting). */
static void test_arena_rewind(void **state)
{
    (void)state;
    cr_arena a;
    cr_arena_init(&a, 1024, 1 << 20);
    assert_non_null(cr_arena_alloc(&a, 100));
    cr_arena_mark m = cr_arena_save(&a);
    size_t used = a.used_total;
    char *first = cr_arena_alloc(&a, 100);
    for (int i = 0; i < 50; i++)
        assert_non_null(cr_arena_alloc(&a, 900));   /* new blocks */
    cr_arena_rewind(&a, m);
    assert_int_equal(a.used_total, used);
    assert_ptr_equal(cr_arena_alloc(&a, 100), first);
    cr_arena_reset(&a);
    m = cr_arena_save(&a);                         /* a mark of an empty arena */
    assert_non_null(cr_arena_alloc(&a, 5000));
    cr_arena_rewind(&a, m);
    assert_int_equal(a.used_total, 0);
    cr_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_limits_check),
        cmocka_unit_test(test_json_limits_check),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_json_depth_clamped),
        cmocka_unit_test(test_json_text_clamped),
        cmocka_unit_test(test_regex_match_limit),
        cmocka_unit_test(test_regex_depth_limit),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_arena_rewind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
