/* The credo command's subcommands, one file each (cli_<name>.c), and the
 * few helpers they share (cli_common.c).  Not part of the library. */
#ifndef CREDO_CLI_H
#define CREDO_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "../lang/compile.h"

/* Prints text to stdout (code 0) or stderr and returns code. */
int cr_cli_usage(const char *text, int code);
/* Is --help or -h among the arguments? */
bool cr_cli_want_help(int argc, char **argv);
/* Compiles one policy file, printing its diagnostics (warnings too when
 * asked) to stderr; *errors gets the error count.  NULL on failure. */
cr_program *cr_cli_load_policy(const char *path, bool warnings, int *errors);
/* Today's date (UTC) as a day number. */
int64_t cr_cli_today(void);

/* Each command: argv[0] is the first argument after the command's name. */
int cr_cmd_check(int argc, char **argv);
int cr_cmd_run(int argc, char **argv);
int cr_cmd_test(int argc, char **argv);
int cr_cmd_explain(int argc, char **argv);
int cr_cmd_match(int argc, char **argv);

#endif
