/* The credo command's subcommands, one file each (cli_<name>.c), and the
 * few helpers they share (cli_common.c).  Not part of the library. */
#ifndef CREDO_CLI_H
#define CREDO_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lang/compile.h"
#include "runtime/io/decision_json.h"

/* Prints text to stdout (code 0) or stderr and returns code. */
int cr_cli_usage(const char *text, int code);
/* Is --help or -h among the arguments (before a `--`)? */
bool cr_cli_want_help(int argc, char **argv);
/* getopt_long over a command's arguments, so `--opt value`, `--opt=value`,
 * `-j4` and `--` (the end of the options) work alike in every command.
 * argv[0] is the command's first argument and argv[-1] must exist (the
 * command's name: getopt skips it).  Returns the option (a short option's
 * letter or a long option's val), -1 after the last one (the operands
 * are then argv[cr_cli_optind()..argc-1]), or '?' once it has printed
 * the usage error (the caller returns 2). */
int cr_cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts, const struct option *longopts);
/* As cr_cli_getopt; *index gets the long option's place in longopts. */
int cr_cli_getopt_index(const char *cmd, int argc, char **argv, const char *shortopts,
                        const struct option *longopts, int *index);
int cr_cli_optind(void);
/* A usage error: "credo CMD: MESSAGE" and "try 'credo CMD --help'" on
 * stderr; returns 2, the exit status of a usage error. */
int cr_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Compiles one policy file, printing its diagnostics (warnings too when
 * asked) to stderr; *errors gets the error count.  NULL on failure.  A
 * compiled policy (.credoc, by its magic bytes) is read and verified
 * instead of compiled. */
cr_program *cr_cli_load_policy(const char *path, bool warnings, int *errors);
/* As cr_cli_load_policy, the diagnostics written to diag. */
cr_program *cr_cli_load_policy_to(const char *path, bool warnings, int *errors, FILE *diag);
/* As cr_cli_load_policy; a folder holds versions of one policy and the
 * one in effect on as_of (the latest effective date not after it) is
 * loaded.  A single file taking effect after as_of gets a warning. */
cr_program *cr_cli_load_policy_at(const char *path, int64_t as_of, bool warnings, int *errors);
/* False (with the reason on stderr) when the header lacks a version,
 * effective date or owner; `why` says what needs them. */
bool cr_cli_require_identity(const cr_program *p, const char *why);
/* What of that the header lacks ("version \"...\"", ...), or NULL. */
const char *cr_cli_missing_identity(const cr_program *p);
/* Takes every `--trust KEY.pub` (or --trust=KEY.pub) out of argv, whatever
 * the command, and reads the keys: from then on cr_cli_load_policy loads
 * only .credoc files signed by one of them.  Returns the new argc, or -1
 * (the reason on stderr) when a key cannot be read. */
int cr_cli_take_trust(int argc, char **argv);

/* credo --version (cli_version.c): prints the version, commit and build
 * options; returns 0. */
int cr_cli_version(void);

/* Today's date (UTC) as a day number. */
int64_t cr_cli_today(void);

/* A --budget value of command cmd: a positive count up to
 * CR_MAX_INSTRUCTIONS_MAX.  False, with the reason on stderr, if not. */
bool cr_cli_parse_budget(const char *cmd, const char *v, uint64_t *out);

/* A --deadline-ms value of command cmd: milliseconds from 1 up to
 * CR_DEADLINE_MS_MAX.  False, with the reason on stderr, if not. */
bool cr_cli_parse_deadline(const char *cmd, const char *v, uint32_t *out);

/* Adds "policy" and "version" to the line cr_decide (runtime/decide.h)
 * wrote at out[start..]: challenger runs (cli_run.c). */
void cr_cli_tag_policy(cr_buf *out, size_t start, const cr_program *p);

/* Challengers, in run and serve (cli_experiment.c).  A --share value
 * ("10%", "2.5%", "10") in basis points, or -1 when it is not one. */
int cr_cli_parse_share(const char *s);
/* Is key in the challenger's share?  A hash of the key, so the same key
 * goes the same way in every run, on every machine. */
bool cr_cli_in_share(const char *key, size_t len, int share_bp);
/* The value of the top-level field of a JSON object (a text's characters
 * without its quotes; a number as written): the --sticky-key that keeps
 * an applicant who applies again in the same arm.  False when the field
 * is absent or null, or the object cannot be walked. */
/* Adds what credo serve adds to an answer: "policy", "version",
 * "sha256", "program_sha256", and "arm" when arm is given (champion,
 * challenger, shadow); also for the replay of credo audit. */
void cr_cli_tag_served(cr_buf *out, size_t start, const cr_program *p, const char *arm);
bool cr_cli_sticky_value(const char *json, size_t len, const char *field, const char **v, size_t *vlen);

/* Each command: argv[0] is the first argument after the command's name. */
int cr_cmd_check(int argc, char **argv);
int cr_cmd_run(int argc, char **argv);
int cr_cmd_audit(int argc, char **argv);
int cr_cmd_test(int argc, char **argv);
int cr_cmd_explain(int argc, char **argv);
int cr_cmd_match(int argc, char **argv);
int cr_cmd_diff(int argc, char **argv);
int cr_cmd_fmt(int argc, char **argv);
int cr_cmd_compile(int argc, char **argv);
int cr_cmd_disasm(int argc, char **argv);
int cr_cmd_serve(int argc, char **argv);
int cr_cmd_keygen(int argc, char **argv);
int cr_cmd_lsp(int argc, char **argv);
int cr_cmd_bench(int argc, char **argv);

#endif
