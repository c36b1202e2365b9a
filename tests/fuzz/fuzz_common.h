/* Helpers shared by the libFuzzer targets in tests/fuzz/.
 * Header-only, static: each target is one translation unit, built either
 * with libFuzzer (tests/fuzz/run.sh) or with tests/fuzz/replay.c. */
#ifndef CREDO_FUZZ_COMMON_H
#define CREDO_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/compile.h"
#include "runtime/io/decision_json.h"
#include "runtime/io/explain.h"
#include "runtime/io/json_read.h"
#include "runtime/vm/vm.h"

/* The name policies compile under: a lookup's file is found next to it,
 * so the golden test's reference tables (tests/golden/lookup/) load. */
#define FUZZ_POLICY_NAME "tests/golden/fuzz.credo"

/* 2026-12-01, the as-of date of the golden tests. */
#define FUZZ_TODAY 20788

/* Diagnostics and explanations are printed, so that their code runs
 * too, to /dev/null. */
static FILE *fuzz_devnull(void)
{
    static FILE *f;
    if (!f && !(f = fopen("/dev/null", "w"))) {
        perror("fuzz: /dev/null");
        abort();
    }
    return f;
}

static void fuzz_synth_record(cr_buf *b, const cr_record *r, int depth);

/* A value of type t for an application made up from the schema. */
static void fuzz_synth_value(cr_buf *b, const cr_type *t, int depth, unsigned salt)
{
    switch (t->kind) {
    case CR_T_BOOL: cr_buf_puts(b, salt & 1 ? "true" : "false"); return;
    case CR_T_INT: cr_buf_puts(b, salt & 2 ? "0" : "3"); return;
    case CR_T_DEC: cr_buf_puts(b, salt & 4 ? "-1.5" : "2.50"); return;
    case CR_T_TEXT: cr_buf_puts(b, salt & 8 ? "\"\"" : "\"A\""); return;
    case CR_T_DATE: cr_buf_puts(b, "\"2026-01-15\""); return;
    case CR_T_LIST:
        cr_buf_puts(b, "[");
        for (int i = 0; i < 3 && depth < 8; i++) {
            if (i)
                cr_buf_puts(b, ",");
            fuzz_synth_value(b, t->elem, depth + 1, salt + (unsigned)i);
        }
        cr_buf_puts(b, "]");
        return;
    case CR_T_RECORD: fuzz_synth_record(b, t->rec, depth + 1); return;
    default: cr_buf_puts(b, "null"); return;
    }
}

static void fuzz_synth_record(cr_buf *b, const cr_record *r, int depth)
{
    cr_buf_puts(b, "{");
    for (uint32_t i = 0; i < r->nfields; i++) {
        if (i)
            cr_buf_puts(b, ",");
        cr_buf_json_string(b, r->fields[i].name, r->fields[i].len);
        cr_buf_puts(b, ":");
        fuzz_synth_value(b, r->fields[i].type, depth, i);
    }
    cr_buf_puts(b, "}");
}

/* Reads and decides one application line on s, writing the decision (or
 * the ERROR line) and, when traced, the explanation.  Returns whether the
 * line was read (not whether it was decided). */
static int fuzz_decide(cr_session *s, const char *line, size_t len, const cr_json_limits *jl, int explain)
{
    cr_json_result res;
    cr_buf out = {0};
    cr_session_begin(s);
    int read = cr_json_read(s->prog->input, line, len, &s->arena, jl, s->slots, &res) == 0;
    if (!read)
        cr_write_error(&out, res.app_id, res.app_id_len, 1, res.error);
    else if (!cr_session_run(s))
        cr_write_error(&out, res.app_id, res.app_id_len, 1, s->error);
    else {
        cr_write_decision(&out, s, res.app_id, res.app_id_len, explain != 0);
        if (s->trace) {
            cr_explain_json(&out, s, res.app_id, res.app_id_len);
            cr_explain_text(fuzz_devnull(), s, res.app_id, res.app_id_len);
        }
    }
    cr_buf_free(&out);
    return read;
}

/* A whole file, for the targets that need the reference policy. */
static char *fuzz_read(const char *path, size_t *len)
{
    char *s = cr_read_file(path, len);
    if (!s) {
        fprintf(stderr, "fuzz: cannot read %s (run from the project root, or set CREDO_FUZZ_ROOT)\n", path);
        abort();
    }
    return s;
}

/* path under the project root: $CREDO_FUZZ_ROOT or the current folder. */
static const char *fuzz_path(const char *rel, char *buf, size_t size)
{
    const char *root = getenv("CREDO_FUZZ_ROOT");
    if (!root || !*root)
        return rel;
    snprintf(buf, size, "%s/%s", root, rel);
    return buf;
}

#endif
