/* JSON-RPC messages over a byte stream, framed as the Language Server
 * Protocol frames them: "Content-Length: N\r\n\r\n" and N bytes of JSON.
 * cJSON (libcjson) reads and writes them: no number here is money. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/lsp/lsp.h"

/* A message larger than this is refused: a policy is at most 16 MiB
 * (README.md, "Limits"), and JSON escaping can double it. */
#define LSP_MAX_MESSAGE ((size_t)40 << 20)

cJSON *cr_lsp_read(FILE *in, const char **why)
{
    char line[1024];
    long long length = -1;
    *why = NULL;
    for (;;) {
        if (!fgets(line, sizeof line, in))
            return NULL; /* the end of input: the client went away */
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0) {
            if (length >= 0)
                break;
            continue; /* stray blank line before a header */
        }
        if (strncasecmp(line, "Content-Length:", 15) == 0) {
            char *end;
            length = strtoll(line + 15, &end, 10);
            if (end == line + 15 || length < 0) {
                *why = "a Content-Length that is not a number";
                return NULL;
            }
        }
    }
    if ((size_t)length > LSP_MAX_MESSAGE) {
        *why = "a message larger than 40 MiB";
        return NULL;
    }
    char *body = malloc((size_t)length + 1);
    if (!body) {
        *why = "out of memory";
        return NULL;
    }
    if (fread(body, 1, (size_t)length, in) != (size_t)length) {
        free(body);
        *why = "the input ended inside a message";
        return NULL;
    }
    body[length] = '\0';
    cJSON *msg = cJSON_ParseWithLength(body, (size_t)length);
    free(body);
    if (!msg)
        *why = "a message that is not JSON";
    return msg;
}

void cr_lsp_write(FILE *out, cJSON *msg)
{
    char *text = cJSON_PrintUnformatted(msg);
    cJSON_Delete(msg);
    if (!text)
        return;
    fprintf(out, "Content-Length: %zu\r\n\r\n%s", strlen(text), text);
    fflush(out);
    free(text);
}

static cJSON *envelope(const cJSON *id)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "jsonrpc", "2.0");
    cJSON_AddItemToObject(m, "id", id ? cJSON_Duplicate(id, true) : cJSON_CreateNull());
    return m;
}

void cr_lsp_reply(FILE *out, const cJSON *id, cJSON *result)
{
    cJSON *m = envelope(id);
    cJSON_AddItemToObject(m, "result", result ? result : cJSON_CreateNull());
    cr_lsp_write(out, m);
}

void cr_lsp_reply_error(FILE *out, const cJSON *id, int code, const char *message)
{
    cJSON *m = envelope(id);
    cJSON *e = cJSON_AddObjectToObject(m, "error");
    cJSON_AddNumberToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", message);
    cr_lsp_write(out, m);
}

void cr_lsp_notify(FILE *out, const char *method, cJSON *params)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "jsonrpc", "2.0");
    cJSON_AddStringToObject(m, "method", method);
    cJSON_AddItemToObject(m, "params", params);
    cr_lsp_write(out, m);
}
