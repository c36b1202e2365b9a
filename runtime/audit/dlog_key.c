/* A decision log's HMAC key: a file of random bytes (`head -c 32
 * /dev/urandom > log.key`), every byte of it the key.  Its contents never
 * appear in a message; the log records only its id. */
#include "runtime/audit/decision_log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "runtime/audit/dlog_hash.h"

static bool fail(char *err, size_t errsz, const char *path, const char *what)
{
    snprintf(err, errsz, "%s: %s", path, what);
    return false;
}

bool cr_dlog_key_read(const char *path, cr_dlog_key *k, char *err, size_t errsz)
{
    memset(k, 0, sizeof *k);
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errsz, path, strerror(errno));
    size_t n = fread(k->bytes, 1, sizeof k->bytes, f);
    bool read_error = ferror(f) != 0;
    int more = read_error ? EOF : fgetc(f);
    fclose(f);
    if (read_error) {
        memset(k, 0, sizeof *k);
        return fail(err, errsz, path, "cannot read the key file");
    }
    if (more != EOF || n < CR_DLOG_KEY_MIN) {
        char what[160];
        snprintf(what, sizeof what, "a log key must be %d to %d bytes (head -c 32 /dev/urandom > FILE makes one)%s",
                 CR_DLOG_KEY_MIN, CR_DLOG_KEY_MAX, more != EOF ? "; this file is longer" : "; this file is shorter");
        memset(k, 0, sizeof *k);
        return fail(err, errsz, path, what);
    }
    k->len = n;
    return true;
}

void cr_dlog_key_id(const cr_dlog_key *k, char out[17]) { cr_dlog_key_id_of(k->bytes, k->len, out); }
