/* One application's way through the library (decide.h): the reader
 * (io/json_read.c), the VM (vm/vm.c) and the writer (io/decision_json.c),
 * in that order, for every caller. */
#include "runtime/decide.h"

/* Appends the application's line to out: its decision, or the ERROR line
 * naming its number. */
static void write_line(cr_buf *out, const cr_session *s, const cr_decide_opts *o, cr_decided *d)
{
    size_t start = out->len;
    if (d->status == CR_DECIDED)
        cr_write_decision(out, s, d->app_id, d->app_id_len, o->explain);
    else
        cr_write_error_keyed(out, s->prog, d->app_id, d->app_id_len, d->app_id_number, o->line, d->error);
    if (!out->failed)
        return;
    /* A shorter line that still says ERROR, naming no app_id: the most
     * likely to fit where memory has run out. */
    out->failed = false;
    out->len = start;
    if (d->status == CR_DECIDED) {
        d->status = CR_WRITE_FAILED;
        d->error = "out of memory writing the decision";
    }
    d->app_id = NULL;
    d->app_id_len = 0;
    cr_write_error_keyed(out, s->prog, NULL, 0, false, o->line, "out of memory writing the decision");
}

bool cr_decide(cr_session *s, const char *line, size_t len, cr_buf *out, const cr_decide_opts *o, cr_decided *d)
{
    static const cr_decide_opts plain = {0};
    if (!o)
        o = &plain;
    s->count_instructions = o->explain;   /* the explained decision shows the count */
    d->status = CR_DECIDED;
    d->error = NULL;
    if (line) {
        cr_session_begin(s);
        if (cr_json_read_keyed(s->prog->input, s->prog->key, line, len, &s->arena, o->json_limits, s->slots,
                               &d->read) != 0) {
            d->status = CR_BAD_INPUT;
            d->error = d->read.error;
        }
        d->app_id = d->read.app_id;
        d->app_id_len = d->read.app_id_len;
        d->app_id_number = d->read.app_id_number;
    } else {
        d->app_id = o->app_id;
        d->app_id_len = o->app_id_len;
        d->app_id_number = o->app_id_number;
    }
    if (d->status == CR_DECIDED && !cr_session_run(s)) {
        d->status = CR_RUN_ERROR;
        d->error = s->error;
    }
    if (out)
        write_line(out, s, o, d);
    return d->status == CR_DECIDED;
}
