/* A small decision service on libcredo's public API.
 *
 *     embed [--as-of YYYY-MM-DD] POLICY < applications.jsonl
 *
 * Loads the policy once, then decides each JSON line of stdin with one
 * session and writes one line per application: the decision, or an ERROR
 * line naming the field or the policy's line, exactly as `credo run`
 * does.  Exit status as credo run: 0 every line decided, 1 the policy
 * does not compile or the input cannot be read, 2 usage, 3 some ERROR
 * lines.
 *
 * Build against an installed credo:
 *     cc embed.c $(pkg-config --cflags --libs credo) -o embed */
#define _POSIX_C_SOURCE 200809L   /* getline */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <credo.h>

static int usage(void)
{
    fputs("usage: embed [--as-of YYYY-MM-DD] POLICY < applications.jsonl\n", stderr);
    return 2;
}

/* The error as credo prints it: file:line:col when there is a place. */
static void print_error(const credo_error *err)
{
    if (err->line)
        fprintf(stderr, "%s:%u:%u: error: %s\n", err->file, err->line, err->column, err->message);
    else
        fprintf(stderr, "embed: %s\n", err->message);
}

/* Decides every line of in; returns how many were ERROR lines, or -1
 * when the input or the output failed. */
static long long serve(credo_session *s, FILE *in)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long long errors = 0;
    while ((n = getline(&line, &cap, in)) != -1) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        /* A failed decision still has a line: the ERROR line credo run writes. */
        if (credo_decide_json(s, line, (size_t)n, NULL) != CREDO_OK)
            errors++;
        size_t len;
        const char *json = credo_decision_json(s, &len);
        if (json) {
            fwrite(json, 1, len, stdout);
            putchar('\n');
        }
    }
    free(line);
    if (ferror(in)) {
        perror("embed: reading the input");
        return -1;
    }
    return errors;
}

int main(int argc, char **argv)
{
    const char *as_of = NULL, *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--as-of") == 0 && i + 1 < argc)
            as_of = argv[++i];
        else if (argv[i][0] == '-' || path)
            return usage();
        else
            path = argv[i];
    }
    if (!path)
        return usage();

    credo_error err;
    credo_policy *policy = credo_policy_load(path, &err);
    if (!policy) {
        print_error(&err);
        return 1;
    }
    credo_session *s = credo_session_new(policy, &err);
    if (!s) {
        print_error(&err);
        credo_policy_free(policy);
        return 1;
    }
    int rc = 0;
    if (as_of && credo_session_set_as_of(s, as_of) != CREDO_OK) {
        fprintf(stderr, "embed: --as-of %s is not a date YYYY-MM-DD\n", as_of);
        rc = 2;
    } else {
        long long errors = serve(s, stdin);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            perror("embed: writing decisions");
            errors = -1;
        }
        rc = errors < 0 ? 1 : errors > 0 ? 3 : 0;
    }
    credo_session_free(s);
    credo_policy_free(policy);
    return rc;
}
