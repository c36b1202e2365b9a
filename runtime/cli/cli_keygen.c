/* credo keygen NAME: a new Ed25519 key pair, NAME.key (the private key,
 * PKCS#8 PEM, mode 0600) and NAME.pub (the public key), as OpenSSL writes
 * them: for `credo run --log-sign`, `credo audit ... --sign` and
 * `--trust`. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cli/cli.h"
#include "runtime/core/ed25519.h"

static const char usage_keygen[] =
    "usage: credo keygen NAME\n"
    "\n"
    "Makes a new Ed25519 key pair from the system's random source and writes\n"
    "NAME.key, the private key (PKCS#8 PEM, readable by its owner only), and\n"
    "NAME.pub, the public key (PEM), as `openssl genpkey -algorithm ed25519`\n"
    "and `openssl pkey -pubout` would.  An existing file is never overwritten.\n"
    "Prints the key's id (16 hex digits of the SHA-256 of the public key).\n"
    "\n"
    "exit status: 0 written, 1 a file exists or cannot be written, 2 usage.\n";

/* Writes text to a new file of the given mode; false with errno. */
static bool write_new(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return false;
    size_t n = strlen(text), done = 0;
    while (done < n) {
        ssize_t w = write(fd, text + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int saved = errno;
            close(fd);
            unlink(path);
            errno = saved;
            return false;
        }
        done += (size_t)w;
    }
    if (close(fd) != 0) {
        int saved = errno;
        unlink(path);
        errno = saved;
        return false;
    }
    return true;
}

int cr_cmd_keygen(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_keygen, 0);
    static const struct option longopts[] = {{NULL, 0, NULL, 0}};
    if (cr_cli_getopt("keygen", argc, argv, "", longopts) != -1)
        return 2;
    int first = cr_cli_optind();
    if (argc - first != 1 || !argv[first][0])
        return cr_cli_usage_error("keygen", argc - first > 1 ? "one NAME at a time" : "no NAME given");
    const char *name = argv[first];
    size_t n = strlen(name) + 8;
    char *key_path = malloc(n), *pub_path = malloc(n);
    char err[300], secret[256], pub[256], id[CR_ED25519_ID_LEN + 1];
    cr_ed25519_key k;
    int rc = 1;
    if (!key_path || !pub_path) {
        fprintf(stderr, "credo keygen: out of memory\n");
        goto out;
    }
    snprintf(key_path, n, "%s.key", name);
    snprintf(pub_path, n, "%s.pub", name);
    if (!cr_ed25519_generate(&k, err, sizeof err)) {
        fprintf(stderr, "credo keygen: %s\n", err);
        goto out;
    }
    if (!cr_ed25519_pem(&k, true, secret, sizeof secret) || !cr_ed25519_pem(&k, false, pub, sizeof pub)) {
        fprintf(stderr, "credo keygen: cannot encode the key\n");
        goto out;
    }
    /* the public key first: a failure then leaves no private key behind */
    if (!write_new(pub_path, pub, 0644)) {
        fprintf(stderr, "credo keygen: %s: %s\n", pub_path, strerror(errno));
        goto out;
    }
    if (!write_new(key_path, secret, 0600)) {
        fprintf(stderr, "credo keygen: %s: %s\n", key_path, strerror(errno));
        unlink(pub_path);
        goto out;
    }
    cr_ed25519_id(k.pub, id);
    printf("wrote %s (the private key: keep it secret) and %s (key id %s)\n", key_path, pub_path, id);
    rc = 0;
out:
    memset(&k, 0, sizeof k);
    memset(secret, 0, sizeof secret);
    free(key_path);
    free(pub_path);
    return rc;
}
