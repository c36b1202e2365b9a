/* {"error":"..."} answers (json_error.h). */
#include "runtime/serve/json_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

unsigned cr_json_error(cr_buf *out, unsigned status, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    out->len = 0;
    cr_buf_puts(out, "{\"error\":");
    cr_buf_json_string(out, msg, strlen(msg));
    cr_buf_puts(out, "}\n");
    return status;
}
