/* credo fmt: rewrites policies in the canonical layout (lang/fmt.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/cli/cli.h"
#include "lang/fmt.h"

static const char usage_fmt[] =
    "usage: credo fmt [--check] FILE...\n"
    "\n"
    "Rewrites each policy in the canonical layout (lang/README.md,\n"
    "\"Formatting\"): 2-space blocks, aligned columns, single spaces; columns\n"
    "are counted as a terminal shows them (a Chinese character takes two).  Only\n"
    "white space changes and every comment is kept, so the policy compiles\n"
    "to the same program.  A file already formatted is left untouched; the\n"
    "name of each file rewritten is printed.  A file that does not parse is\n"
    "reported and never rewritten.  FILE - reads standard input and writes\n"
    "the formatted policy to standard output.  A test file (NAME.test.credo)\n"
    "gets the test files' layout: top-level lines in column 1, a test's lines\n"
    "indented 2, single spaces, line breaks in records and lists kept.\n"
    "\n"
    "example: credo fmt policies/*.credo\n"
    "\n"
    "  --check         change nothing; list the files that are not formatted\n"
    "\n"
    "exit status: 0 success (--check: every file is formatted), 1 a file does\n"
    "not parse or cannot be read or written (--check: or is not formatted),\n"
    "2 usage.\n";

/* All of standard input, NUL-terminated; NULL on a read error. */
static char *read_stdin(size_t *len)
{
    size_t cap = 64 * 1024, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, stdin);
        if (ferror(stdin)) {
            free(buf);
            return NULL;
        }
        if (feof(stdin))
            break;
        if (cap - n - 1 == 0) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (!buf)
        return NULL;
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Replaces the file at path with data: a temporary file in the same
 * directory, renamed over it, so a reader never sees half a policy and a
 * failure leaves the original.  A symbolic link stays a link to the
 * rewritten file; the file keeps its permissions. */
static bool write_in_place(const char *path, const char *data, size_t len)
{
    char *real = realpath(path, NULL);
    const char *target = real ? real : path;
    const char *slash = strrchr(target, '/');
    size_t dirlen = slash ? (size_t)(slash - target) + 1 : 0;
    const char *base = slash ? slash + 1 : target;
    size_t tlen = dirlen + strlen(base) + 16;
    char *tmp = malloc(tlen);
    bool ok = false;
    if (tmp) {
        snprintf(tmp, tlen, "%.*s.%s.fmt-XXXXXX", (int)dirlen, target, base);
        int fd = mkstemp(tmp);
        if (fd >= 0) {
            struct stat st;
            if (stat(target, &st) == 0)
                (void)fchmod(fd, st.st_mode & 07777);
            size_t off = 0;
            while (off < len) {
                ssize_t w = write(fd, data + off, len - off);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0)
                    break;
                off += (size_t)w;
            }
            ok = off == len;
            ok = close(fd) == 0 && ok;
            ok = ok && rename(tmp, target) == 0;
            if (!ok) {
                int e = errno;
                unlink(tmp);
                errno = e;
            }
        }
    }
    if (!ok)
        fprintf(stderr, "credo fmt: cannot write %s: %s\n", path, strerror(errno));
    free(tmp);
    free(real);
    return ok;
}

/* Formats one file (or standard input for "-").  Returns 0 when it is
 * formatted (now, or already), 1 when it is not (--check) or on an error. */
static int fmt_one(const char *path, bool check)
{
    bool std = strcmp(path, "-") == 0;
    const char *name = std ? "<stdin>" : path;
    size_t len = 0;
    char *src = std ? read_stdin(&len) : cr_read_file(path, &len);
    if (!src) {
        fprintf(stderr, "credo fmt: cannot read %s: %s\n", name, strerror(errno));
        return 1;
    }
    cr_diags d;
    cr_diags_init(&d, name, src, len);
    char *out = NULL;
    size_t out_len = 0;
    int rc = 0;
    size_t nlen = strlen(name);
    bool test_file = nlen > 11 && strcmp(name + nlen - 11, ".test.credo") == 0;
    if (!(test_file ? cr_fmt_test : cr_fmt)(src, len, &d, &out, &out_len)) {
        cr_diags_print(&d, stderr);
        rc = 1;
    } else if (check) {
        if (out_len != len || memcmp(out, src, len) != 0) {
            printf("%s\n", name);
            rc = 1;
        }
    } else if (std) {
        if (fwrite(out, 1, out_len, stdout) != out_len || fflush(stdout) != 0) {
            fprintf(stderr, "credo fmt: cannot write the standard output\n");
            rc = 1;
        }
    } else if (out_len != len || memcmp(out, src, len) != 0) {
        if (write_in_place(path, out, out_len))
            printf("%s\n", path);
        else
            rc = 1;
    }
    cr_diags_free(&d);
    free(out);
    free(src);
    return rc;
}

int cr_cmd_fmt(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_fmt, 0);
    bool check = false;
    static const struct option longopts[] = {{"check", no_argument, NULL, 'c'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = cr_cli_getopt("fmt", argc, argv, "", longopts)) != -1) {
        if (c != 'c')
            return 2;
        check = true;
    }
    int first = cr_cli_optind();
    if (first == argc)
        return cr_cli_usage_error("fmt", "no file given (FILE, or - for standard input)");
    int failed = 0;
    for (int i = first; i < argc; i++)
        failed |= fmt_one(argv[i], check);
    return failed ? 1 : 0;
}
