/* The credo command: `credo check`, `credo run` and their help.
 *
 * Exit status (also in `credo --help`):
 *   0  success (check: no errors; run: every line got a decision)
 *   1  check: the policy has errors; run: the policy does not compile,
 *      the input cannot be read or the decision log cannot be written;
 *      audit: the log is altered, a replay differs or the log cannot be read
 *   2  usage error
 *   3  run: finished, but at least one line was an ERROR */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "runtime/cli/cli.h"
#include "runtime/credo.h"

static const char usage_main[] =
    "usage: credo <command> [options] [files]\n"
    "\n"
    "credo evaluates credit policies written in the credo language.\n"
    "\n"
    "commands:\n"
    "  check FILE...           compile policies and report every error\n"
    "  run POLICY [INPUT]      decide each application (JSON lines) of INPUT or stdin\n"
    "  audit LOG verify|anchor|show APP_ID|stats\n"
    "                          check a decision log (run --log) and read it\n"
    "  keygen NAME             a new Ed25519 key pair, NAME.key and NAME.pub\n"
    "  test PATH...            run policy tests (NAME.test.credo) with coverage\n"
    "  explain POLICY APP      why one application got its decision\n"
    "  bench POLICY INPUT      decisions/s, instructions per decision and the costliest parts\n"
    "  match DIR APP           the products an applicant qualifies for, best first\n"
    "  diff OLD NEW [INPUT]    champion/challenger over applications, or what changed in the policy\n"
    "  fmt [--check] FILE...   rewrite policies in the canonical layout (--check: only list)\n"
    "  compile POLICY -o FILE.credoc\n"
    "                          compile a policy to a file `run` and the others load as is\n"
    "  disasm POLICY|FILE.credoc\n"
    "                          print the bytecode with the source lines, for review\n"
    "  serve [--port N] DIR    the policies of DIR as an HTTP JSON service, reloaded\n"
    "                          when their files change\n"
    "  lsp                     a language server for editors, on stdin and stdout\n"
    "  help [COMMAND]          show help for a command\n"
    "  --version               the release (credo_version()), the commit and the build options\n"
    "\n"
    "every command that loads a policy takes --trust KEY.pub (repeatable): then\n"
    "it loads only compiled policies signed by one of those keys (compile --sign).\n"
    "\n"
    "exit status: 0 success, 1 policy errors, unreadable input, an unwritable\n"
    "or altered decision log, 2 usage, 3 run finished with at least one ERROR line.\n";

/* loads: the command loads policies, and takes --trust for them here;
 * `audit` has a --trust of its own (who signed the log's checkpoints). */
static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    bool loads;
} commands[] = {
    {"check", cr_cmd_check, true},
    {"run", cr_cmd_run, true},
    {"audit", cr_cmd_audit, false},
    {"test", cr_cmd_test, true},
    {"explain", cr_cmd_explain, true},
    {"match", cr_cmd_match, true},
    {"diff", cr_cmd_diff, true},
    {"fmt", cr_cmd_fmt, false},
    {"compile", cr_cmd_compile, true},
    {"disasm", cr_cmd_disasm, true},
    {"serve", cr_cmd_serve, true},
    {"keygen", cr_cmd_keygen, false},
    {"lsp", cr_cmd_lsp, false},
    {"bench", cr_cmd_bench, true},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "credo: no command given\ntry 'credo --help'\n");
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        return cr_cli_usage(usage_main, 0);
    if (strcmp(cmd, "--version") == 0)
        return cr_cli_version();
    if (strcmp(cmd, "help") == 0) {
        if (argc < 3)
            return cr_cli_usage(usage_main, 0);
        char help[] = "--help";
        char *args[] = {argv[2], help, NULL};   /* args[0]: the name a command's option parser skips */
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (strcmp(argv[2], commands[i].name) == 0)
                return commands[i].run(1, args + 1);
        fprintf(stderr, "credo: unknown command '%s'\ntry 'credo --help'\n", argv[2]);
        return 2;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0) {
            int n = commands[i].loads ? cr_cli_take_trust(argc - 2, argv + 2) : argc - 2;
            return n < 0 ? 1 : commands[i].run(n, argv + 2);
        }
    fprintf(stderr, "credo: unknown command '%s'\ntry 'credo --help'\n", cmd);
    return 2;
}
