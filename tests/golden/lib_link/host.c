/* A host program with its own flex scanner (host.l) and bison-style
 * names (yyparse, yylex_init_extra) that also embeds credo: both must
 * work, each calling its own functions (tests/golden/lib_link.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo.h"

int host_words(const char *text);

/* The host's parser: here it just counts words with the host's scanner. */
int yyparse(void);
int yyparse(void) { return host_words("three little words"); }

/* A reentrant flex scanner's entry point, as a host may have one: credo's
 * own scanner must never call it. */
int yylex_init_extra(void *extra, void **scanner);
int yylex_init_extra(void *extra, void **scanner)
{
    (void)extra;
    (void)scanner;
    fprintf(stderr, "host: credo called the host's yylex_init_extra\n");
    exit(9);
}

static const char policy[] =
    "policy link_check\n"
    "input applicant { app_id: text  age: int }\n"
    "admission { reject AGE when age < 18 }\n"
    "band = if age < 30 then \"young\" else \"other\"\n";

int main(void)
{
    int words = yyparse();
    credo_error err;
    credo_policy *p = credo_policy_compile("link_check.credo", policy, strlen(policy), &err);
    if (!p) {
        fprintf(stderr, "host: %s:%u:%u: %s\n", err.file, err.line, err.column, err.message);
        return 1;
    }
    credo_session *s = credo_session_new(p, &err);
    const char app[] = "{\"app_id\":\"A1\",\"age\":17}";
    int rc = s ? credo_decide_json(s, app, strlen(app), &err) : 1;
    if (rc != CREDO_OK) {
        fprintf(stderr, "host: %s\n", err.message);
        return 1;
    }
    printf("host words: %d\ncredo: %s\n", words, credo_decision_json(s, NULL));
    credo_session_free(s);
    credo_policy_free(p);
    return 0;
}
