/* The pieces of credo serve's edge that need no server: the token file
 * and its checks (auth.c), the path rules (edge.c), and which files
 * inotify says are being written (watch.c).  serve/ is part of the
 * command, not of libcredo, so its files are compiled into this test. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/serve/auth.c"
#include "runtime/serve/edge.c"
#include "runtime/serve/watch.c"

static char dir[64];

static int make_dir(void **state)
{
    strcpy(dir, "/tmp/credo-edge-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_tokens(void **state)
{
    char path[128], line[200], hex[65];
    snprintf(path, sizeof path, "%s/tokens", dir);
    cr_sha256_hex_of("s3cret", 6, hex);
    snprintf(line, sizeof line, "# who holds what\n\n%s origination desk\n", hex);
    write_file(path, line);
    cr_auth *a = cr_auth_load(path);
    assert_non_null(a);
    assert_string_equal(cr_auth_check(a, "Bearer s3cret"), "origination desk");
    assert_string_equal(cr_auth_check(a, "bearer  s3cret "), "origination desk");
    assert_null(cr_auth_check(a, "Bearer s3cret2"));
    assert_null(cr_auth_check(a, "Bearer "));
    assert_null(cr_auth_check(a, "Basic s3cret"));
    assert_null(cr_auth_check(a, NULL));
    assert_true(cr_auth_is_open(a, "/healthz"));
    assert_false(cr_auth_is_open(a, "/metrics"));
    assert_true(cr_auth_open_route(a, "/metrics"));
    assert_true(cr_auth_open_route(a, "/v1/decide/"));
    assert_true(cr_auth_is_open(a, "/metrics"));
    assert_false(cr_auth_is_open(a, "/metrics2"));
    assert_true(cr_auth_is_open(a, "/v1/decide/sme_tax_loan"));
    assert_false(cr_auth_is_open(a, "/v1/policies"));
    cr_auth_free(a);
}

static void test_bad_token_files(void **state)
{
    char path[128];
    snprintf(path, sizeof path, "%s/bad", dir);
    write_file(path, "abc someone\n");                     /* not 64 hex digits */
    assert_null(cr_auth_load(path));
    write_file(path, "# only a comment\n");                /* no token: everything refused */
    assert_null(cr_auth_load(path));
    char line[100];
    snprintf(line, sizeof line, "%064d\n", 0);             /* no name */
    write_file(path, line);
    assert_null(cr_auth_load(path));
    snprintf(path, sizeof path, "%s/missing", dir);
    assert_null(cr_auth_load(path));
}

static void unescaped(const char *in, const char *want)
{
    char s[64];
    strcpy(s, in);
    size_t n = cr_edge_unescape(NULL, NULL, s);
    assert_string_equal(s, want);
    assert_int_equal(n, strlen(want));
}

static void test_paths(void **state)
{
    unescaped("/v1/decide/sme%5ftax", "/v1/decide/sme_tax");
    unescaped("/v1/decide/sme%00", "/v1/decide/sme%00");  /* not NUL: names no policy */
    unescaped("/a%1b%7f%7F%0a", "/a%1b%7f%7F%0a");
    unescaped("/a%2", "/a%2");
    unescaped("/a%zz%", "/a%zz%");
    unescaped("/%41%42", "/AB");
    assert_false(cr_edge_path_has_control("/v1/decide/sme_tax_loan"));
    assert_true(cr_edge_path_has_control("/v1/decide/sme\x01"));
    assert_true(cr_edge_path_has_control("/healthz\x7f"));
    assert_true(cr_edge_path_has_control("/a\tb"));
}

static void test_busy_while_written(void **state)
{
    cr_watch *w = cr_watch_open(dir);
    assert_non_null(w);
    char path[128], tmp[128];
    snprintf(path, sizeof path, "%s/p.credo", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("policy p \"first half\"\n", f);
    fflush(f);
    cr_watch_drain(w);
    assert_true(cr_watch_busy(w, path));                  /* written, not closed */
    fputs("input app { n: int }\n", f);
    fclose(f);
    cr_watch_drain(w);
    assert_false(cr_watch_busy(w, path));                 /* closed: whole */
    snprintf(tmp, sizeof tmp, "%s/.p.credo.new", dir);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x", 1), 1);
    cr_watch_drain(w);
    assert_true(cr_watch_busy(w, tmp));
    close(fd);
    assert_int_equal(rename(tmp, path), 0);
    cr_watch_drain(w);
    assert_false(cr_watch_busy(w, tmp));
    assert_false(cr_watch_busy(w, path));                 /* renamed in: whole */
    cr_watch_close(w);
    assert_false(cr_watch_busy(NULL, path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_bad_token_files),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_busy_while_written),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
