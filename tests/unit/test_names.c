/* Names beyond ASCII (lang/names.c, the scanner) and the display width of
 * text (runtime/core/utf8.c): what a name may be, the one error for each
 * thing a name may not be, and carets in the terminal's columns. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/compile.h"
#include "lang/diag.h"
#include "lang/names.h"
#include "runtime/core/utf8.h"

static size_t name_len(const char *s) { return cr_name_length(s, strlen(s)); }

static void test_name_length(void **state)
{
    (void)state;
    assert_int_equal(name_len("age"), 3);
    assert_int_equal(name_len("_x1 + 2"), 3);
    assert_int_equal(name_len("年龄 < 18"), strlen("年龄"));
    assert_int_equal(name_len("月均开票金额"), strlen("月均开票金额"));
    assert_int_equal(name_len("age_年龄2"), strlen("age_年龄2"));
    /* a name ends where its characters do: '。' and '，' are not letters */
    assert_int_equal(name_len("年龄。"), strlen("年龄"));
    assert_int_equal(name_len("优质，"), strlen("优质"));
    /* a combining mark continues a name but cannot start one */
    assert_int_equal(name_len("e\xcc\x81x"), 4);
    assert_int_equal(name_len("\xcc\x81x"), 0);
    /* digits, fullwidth punctuation and invalid UTF-8 start none */
    assert_int_equal(name_len("1a"), 0);
    assert_int_equal(name_len("，"), 0);
    assert_int_equal(name_len("\xe5\xb9"), 0);
    assert_int_equal(name_len("a\xe5\xb9"), 1);
}

static void test_bad_char(void **state)
{
    (void)state;
    char what[160], ascii;
    bool invalid;
    assert_int_equal(cr_name_bad_char("，x", strlen("，x"), what, sizeof what, &ascii, &invalid), 3);
    assert_string_equal(what, "'，' (U+FF0C FULLWIDTH COMMA)");
    assert_int_equal(ascii, ',');
    assert_false(invalid);
    assert_int_equal(cr_name_bad_char("。", strlen("。"), what, sizeof what, &ascii, &invalid), 3);
    assert_string_equal(what, "'。' (U+3002 IDEOGRAPHIC FULL STOP)");
    assert_int_equal(ascii, 0);
    /* a run of invalid bytes is one */
    assert_int_equal(cr_name_bad_char("\xe5\xb9\xff a", 6, what, sizeof what, &ascii, &invalid), 3);
    assert_true(invalid);
    assert_string_equal(what, "invalid UTF-8 (byte 0xe5): a policy is UTF-8 text");
}

static void test_nfc(void **state)
{
    (void)state;
    char out[64];
    size_t n = 0;
    assert_false(cr_name_not_nfc("年龄", strlen("年龄"), out, sizeof out, &n));
    assert_false(cr_name_not_nfc("caf\xc3\xa9", 5, out, sizeof out, &n));
    assert_true(cr_name_not_nfc("cafe\xcc\x81", 6, out, sizeof out, &n));
    assert_int_equal(n, 5);
    assert_memory_equal(out, "caf\xc3\xa9", 5);
    /* a CJK compatibility ideograph (U+F91D) is U+6B04 in NFC */
    assert_true(cr_name_not_nfc("\xef\xa4\x9d", 3, out, sizeof out, &n));
    assert_int_equal(n, 3);
    assert_memory_equal(out, "\xe6\xac\x84", 3);
}

static void test_codes(void **state)
{
    (void)state;
    assert_true(cr_name_is_code("AGE"));
    assert_true(cr_name_is_code("SC_AGE2"));
    assert_false(cr_name_is_code("Age"));
    assert_false(cr_name_is_code("年龄"));
    assert_false(cr_name_is_code("AGE年龄"));
    assert_false(cr_name_is_code("_1"));
    assert_true(cr_name_is_ascii("age_1"));
    assert_false(cr_name_is_ascii("age年"));
}

static size_t width(const char *s) { return cr_utf8_width(s, strlen(s)); }

static void test_width(void **state)
{
    (void)state;
    assert_int_equal(width("age"), 3);
    assert_int_equal(width("年龄"), 4);
    assert_int_equal(width("年龄不足十八岁1234"), 18);
    assert_int_equal(width("ｘ，"), 4);            /* fullwidth forms */
    assert_int_equal(width("cafe\xcc\x81"), 4);    /* a combining mark takes none */
    assert_int_equal(width("\t\n"), 0);
    assert_int_equal(width("\xff"), 1);            /* an invalid byte: one */
    assert_int_equal(width("\xe2\x80\x94"), 1);    /* an em dash (Ambiguous): one */
    assert_int_equal(cr_utf8_pad("年龄", 10), 12); /* 6 bytes, 4 columns */
    char buf[32];
    snprintf(buf, sizeof buf, "%-*s|", cr_utf8_pad("年龄", 6), "年龄");
    assert_string_equal(buf, "年龄  |");
}

/* The diagnostics of compiling src, printed as credo check prints them. */
static char *check_output(const char *src, uint32_t *errors)
{
    cr_diags d;
    cr_diags_init(&d, "t.credo", src, strlen(src));
    cr_program *p = cr_compile("t.credo", src, strlen(src), &d);
    cr_program_free(p);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    assert_non_null(mem);
    cr_diags_print(&d, mem);
    fclose(mem);
    *errors = d.errors;
    cr_diags_free(&d);
    return text;
}

static void test_chinese_policy_compiles(void **state)
{
    (void)state;
    uint32_t errors;
    char *out = check_output("policy 贷款\n"
                             "input 申请人 { 年龄: int, 居住: { 类型: text } }\n"
                             "const 最低年龄 = 20\n"
                             "fn 加一(值: int) -> int = 值 + 1\n"
                             "let 下一岁 = 加一(年龄)\n"
                             "admission { reject AGE \"年龄不足\" when 下一岁 < 最低年龄 }\n"
                             "scorecard 评分 base 600 { 年龄 as SC_AGE: < 30 -> 5 | else -> 20 }\n"
                             "segment 客户 { 优质客户 when 评分 > 610 and 居住.类型 == \"自有\"  普通客户 otherwise }\n"
                             "table 倍数(客户) -> int hit unique { 优质客户 -> 15  普通客户 -> 6 }\n"
                             "额度 = 倍数 * 1000\n",
                             &errors);
    if (errors)
        fail_msg("%s", out);
    free(out);
}

static void test_name_errors(void **state)
{
    (void)state;
    uint32_t errors;
    /* a reason code in Chinese: one error, the caret under the whole code */
    char *out = check_output("policy p\ninput a { 年龄: int }\nadmission {\n  reject 年龄不足 when 年龄 < 18\n}\n", &errors);
    assert_int_equal(errors, 1);
    assert_non_null(strstr(out, "t.credo:4:10: error: rule code '年龄不足' must be written in ASCII capitals"));
    assert_non_null(strstr(out, "  reject 年龄不足 when 年龄 < 18\n         ^~~~~~~~\n"));
    free(out);
    /* a fullwidth colon counts as ':' after its error; the caret stands
     * under the character's first column, after two wide characters */
    out = check_output("policy p\ninput a {\n年龄：int\n}\n", &errors);
    assert_int_equal(errors, 1);
    assert_non_null(strstr(out, "t.credo:3:3: error: unexpected character '：' (U+FF1A FULLWIDTH COLON): write ':'\n"
                                "年龄：int\n    ^~\n"));
    free(out);
    /* a name not in NFC: named, with its NFC form; its uses are then fine */
    out = check_output("policy p\nlet cafe\xcc\x81 = 1\nx = caf\xc3\xa9 + 1\n", &errors);
    assert_int_equal(errors, 1);
    assert_non_null(strstr(out, "t.credo:2:5: error: the name 'cafe\xcc\x81' is not written in Unicode's normal form NFC "
                                "(where it has U+0065, NFC has U+00E9): write it as 'caf\xc3\xa9'\n"));
    free(out);
    /* a character that cannot be in a name is one error and is skipped */
    out = check_output("policy p\nlet 额度 = 1。\nx = 额度\n", &errors);
    assert_int_equal(errors, 1);
    assert_non_null(strstr(out, "t.credo:2:11: error: unexpected character '。' (U+3002 IDEOGRAPHIC FULL STOP)"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_length),
        cmocka_unit_test(test_bad_char),
        cmocka_unit_test(test_nfc),
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_chinese_policy_compiles),
        cmocka_unit_test(test_name_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
