/* lex FILE [PASSES]: how fast the scanner (lang/lexer.l) turns a policy
 * into tokens, the fastest of PASSES passes (default 20), in MB/s and
 * tokens/s.  Names beyond ASCII are decided by lang/names.c; ASCII names
 * take the scanner's own rule, and this shows they pay nothing for it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lang/compile.h"
#include "lang/parse.h"
#include "parser.h"
#include "lexer.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: lex FILE [PASSES]\n");
        return 2;
    }
    int passes = argc > 2 ? atoi(argv[2]) : 20;
    size_t len;
    char *src = cr_read_file(argv[1], &len);
    if (!src) {
        perror(argv[1]);
        return 1;
    }
    double best = 1e30;
    unsigned long tokens = 0;
    for (int p = 0; p < passes; p++) {
        cr_arena arena;
        cr_arena_init(&arena, 1 << 20, 0);
        cr_diags d;
        cr_diags_init(&d, argv[1], src, len);
        cr_parse_ctx ctx;
        memset(&ctx, 0, sizeof ctx);
        ctx.arena = &arena;
        ctx.diags = &d;
        ctx.src = src;
        ctx.len = len;
        void *scanner;
        if (!cr_lex_begin(&ctx, src, len, &scanner))
            return 1;
        YYSTYPE v;
        cr_span sp;
        unsigned long n = 0;
        double t0 = now();
        while (yylex(&v, &sp, scanner) != 0)
            n++;
        double t = now() - t0;
        cr_lex_end(scanner);
        if (d.errors) {
            fprintf(stderr, "%s: %u errors while scanning\n", argv[1], d.errors);
            return 1;
        }
        cr_diags_free(&d);
        cr_arena_free(&arena);
        tokens = n;
        if (t < best)
            best = t;
    }
    printf("lex %s: %zu bytes, %lu tokens, best of %d: %.3f ms, %.1f MB/s, %.1f M tokens/s\n", argv[1], len, tokens,
           passes, best * 1e3, (double)len / best / 1e6, (double)tokens / best / 1e6);
    free(src);
    return 0;
}
