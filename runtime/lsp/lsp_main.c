/* `credo lsp`: the message loop of the language server.  Reads requests
 * and notifications from stdin, answers on stdout; stderr gets one line
 * per message that could not be read.  Documents are synchronised whole
 * (textDocumentSync 1): every change sends the full text, and each one is
 * compiled again for its diagnostics. */
#include <string.h>

#include "runtime/cli/cli.h"
#include "runtime/lsp/lsp.h"

static const char usage_lsp[] =
    "usage: credo lsp\n"
    "\n"
    "A language server for editors, on stdin and stdout (the Language Server\n"
    "Protocol: JSON-RPC 2.0 framed by Content-Length headers).  It answers\n"
    "  diagnostics     the compiler's errors and warnings as you type (on open\n"
    "                  and on every change), with their ranges\n"
    "  hover           a name's kind, type and where it is defined; a\n"
    "                  built-in's description; a scorecard bin's points\n"
    "  definition, references\n"
    "                  for fields, lets, consts, results, labels, reason codes,\n"
    "                  tables, scorecards, segments, lookups and functions\n"
    "  document symbols, formatting (the `credo fmt` layout), completion of\n"
    "                  the policy's names, the built-ins and the keywords;\n"
    "                  after `score.` lowest, reasons and its characteristics,\n"
    "                  after `admission.`, a table's or an input's name its members\n"
    "\n"
    "An editor starts it; editors/vscode and editors/vim in the source tree\n"
    "hold the settings.  To try it by hand:\n"
    "  printf 'Content-Length: 58\\r\\n\\r\\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}' | credo lsp\n"
    "\n"
    "exit status: 0 after shutdown and exit, 1 when the input ends without them, 2 usage.\n";

static cJSON *capabilities(void)
{
    cJSON *r = cJSON_CreateObject();
    cJSON *c = cJSON_AddObjectToObject(r, "capabilities");
    cJSON_AddNumberToObject(c, "textDocumentSync", 1);
    cJSON_AddBoolToObject(c, "hoverProvider", true);
    cJSON_AddBoolToObject(c, "definitionProvider", true);
    cJSON_AddBoolToObject(c, "referencesProvider", true);
    cJSON_AddBoolToObject(c, "documentSymbolProvider", true);
    cJSON_AddBoolToObject(c, "documentFormattingProvider", true);
    cJSON *comp = cJSON_AddObjectToObject(c, "completionProvider");
    cJSON *trig = cJSON_AddArrayToObject(comp, "triggerCharacters");
    cJSON_AddItemToArray(trig, cJSON_CreateString("."));
    cJSON *info = cJSON_AddObjectToObject(r, "serverInfo");
    cJSON_AddStringToObject(info, "name", "credo lsp");
    return r;
}

static const char *str_at(const cJSON *obj, const char *a, const char *b)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(obj, a);
    if (b)
        o = cJSON_GetObjectItemCaseSensitive(o, b);
    return cJSON_IsString(o) ? o->valuestring : NULL;
}

/* The open document a request's params.textDocument.uri names. */
static cr_lsp_doc *doc_of(cr_lsp_docs *docs, const cJSON *params)
{
    const char *uri = str_at(params, "textDocument", "uri");
    return uri ? cr_lsp_doc_find(docs, uri) : NULL;
}

static void publish(FILE *out, const cr_lsp_doc *doc)
{
    cr_lsp_notify(out, "textDocument/publishDiagnostics", cr_lsp_diagnostics(doc));
}

/* A notification: no answer.  Returns false on `exit`. */
static bool notified(FILE *out, cr_lsp_docs *docs, const char *method, const cJSON *params)
{
    if (strcmp(method, "exit") == 0)
        return false;
    const char *uri = str_at(params, "textDocument", "uri");
    if (!uri)
        return true;
    const char *text = NULL;
    if (strcmp(method, "textDocument/didOpen") == 0) {
        text = str_at(params, "textDocument", "text");
    } else if (strcmp(method, "textDocument/didChange") == 0) {
        /* full synchronisation: the last change holds the whole text */
        const cJSON *changes = cJSON_GetObjectItemCaseSensitive(params, "contentChanges");
        int n = cJSON_GetArraySize(changes);
        text = n > 0 ? str_at(cJSON_GetArrayItem(changes, n - 1), "text", NULL) : NULL;
    } else if (strcmp(method, "textDocument/didClose") == 0) {
        cJSON *empty = cJSON_CreateObject();
        cJSON_AddStringToObject(empty, "uri", uri);
        cJSON_AddArrayToObject(empty, "diagnostics");
        cr_lsp_notify(out, "textDocument/publishDiagnostics", empty);
        cr_lsp_doc_close(docs, uri);
    }
    if (text) {
        cr_lsp_doc *doc = cr_lsp_doc_set(docs, uri, text, strlen(text));
        if (doc)
            publish(out, doc);
    }
    return true;
}

static void requested(FILE *out, cr_lsp_docs *docs, const cJSON *id, const char *method, const cJSON *params,
                      bool *shut_down)
{
    if (strcmp(method, "initialize") == 0) {
        cr_lsp_reply(out, id, capabilities());
        return;
    }
    if (strcmp(method, "shutdown") == 0) {
        *shut_down = true;
        cr_lsp_reply(out, id, NULL);
        return;
    }
    cr_lsp_doc *doc = doc_of(docs, params);
    const cJSON *pos = cJSON_GetObjectItemCaseSensitive(params, "position");
    bool needs_doc = strncmp(method, "textDocument/", 13) == 0;
    if (needs_doc && !doc) {
        cr_lsp_reply_error(out, id, -32602, "the document is not open");
        return;
    }
    cJSON *result;
    if (strcmp(method, "textDocument/hover") == 0)
        result = cr_lsp_hover(doc, pos);
    else if (strcmp(method, "textDocument/definition") == 0)
        result = cr_lsp_definition(doc, pos);
    else if (strcmp(method, "textDocument/references") == 0) {
        const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(params, "context");
        result = cr_lsp_references(doc, pos, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ctx, "includeDeclaration")));
    } else if (strcmp(method, "textDocument/documentSymbol") == 0)
        result = cr_lsp_symbols(doc);
    else if (strcmp(method, "textDocument/completion") == 0)
        result = cr_lsp_completion(doc, pos);
    else if (strcmp(method, "textDocument/formatting") == 0)
        result = cr_lsp_formatting(doc);
    else {
        cr_lsp_reply_error(out, id, -32601, "method not found");
        return;
    }
    cr_lsp_reply(out, id, result);
}

int cr_cmd_lsp(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_lsp, 0);
    if (argc > 0) {
        fprintf(stderr, "credo lsp: unexpected argument %s\n", argv[0]);
        return cr_cli_usage(usage_lsp, 2);
    }
    cr_lsp_docs docs = {0};
    bool shut_down = false;
    int rc = 1;
    for (;;) {
        const char *why = NULL;
        cJSON *msg = cr_lsp_read(stdin, &why);
        if (!msg) {
            if (!why)
                break; /* the input ended */
            fprintf(stderr, "credo lsp: %s\n", why);
            if (strcmp(why, "a message that is not JSON") == 0) {
                cr_lsp_reply_error(stdout, NULL, -32700, "parse error");
                continue;
            }
            break;
        }
        const char *method = str_at(msg, "method", NULL);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
        const cJSON *params = cJSON_GetObjectItemCaseSensitive(msg, "params");
        bool go_on = true;
        if (!method) {
            if (id)
                cr_lsp_reply_error(stdout, id, -32600, "a request without a method");
        } else if (id) {
            requested(stdout, &docs, id, method, params, &shut_down);
        } else {
            go_on = notified(stdout, &docs, method, params);
            if (!go_on)
                rc = shut_down ? 0 : 1;
        }
        cJSON_Delete(msg);
        if (!go_on)
            break;
    }
    cr_lsp_docs_free(&docs);
    return rc;
}
