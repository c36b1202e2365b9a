/* Anchors: a decision log's head written down to keep somewhere else
 * (`credo audit LOG anchor`), and read back to check the log against
 * (`credo audit LOG verify --checkpoint FILE` or `--head SEQ:HASH`).
 *
 * An anchor file is the head text a checkpoint signs, then, when signed,
 * two lines more:
 *     credo-log-head v1
 *     log 5b0e7c...              the log's id, 32 hex digits
 *     seq 100000                 its last row
 *     rows 100000                how many rows it held
 *     head 9f86d0...             that row's row_hash, 64 hex digits
 *     signer 3b6a27...           the Ed25519 public key, 64 hex digits
 *     signature 8e2f...          of the first five lines, 128 hex digits */
#include "runtime/audit/decision_log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/audit/dlog_hash.h"

static bool why(char *out, size_t size, const char *what)
{
    snprintf(out, size, "%s", what);
    return false;
}

static bool parse_seq(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > 18)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return v > 0;
}

static bool parse_hex(const char *s, size_t n, uint8_t *out, size_t bytes)
{
    if (n != 2 * bytes)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return false;
        if (i % 2 == 0)
            out[i / 2] = (uint8_t)(d << 4);
        else
            out[i / 2] |= (uint8_t)d;
    }
    return true;
}


bool cr_dlog_anchor_parse_head(const char *s, cr_dlog_anchor *a, char *whybuf, size_t whysz)
{
    memset(a, 0, sizeof *a);
    const char *colon = strchr(s, ':');
    if (!colon || !parse_seq(s, (size_t)(colon - s), &a->seq) ||
        !parse_hex(colon + 1, strlen(colon + 1), a->head, sizeof a->head))
        return why(whybuf, whysz, "not SEQ:HASH (a row number, a colon, 64 hex digits)");
    a->rows = a->seq;
    return true;
}

/* One "name value" line of an anchor file: its value, or NULL. */
static const char *line_value(const char **p, const char *name, size_t *len)
{
    size_t n = strlen(name);
    if (strncmp(*p, name, n) != 0 || (*p)[n] != ' ')
        return NULL;
    const char *v = *p + n + 1, *end = strchr(v, '\n');
    if (!end)
        end = v + strlen(v);
    *len = (size_t)(end - v);
    *p = *end ? end + 1 : end;
    return v;
}

static bool parse_anchor(const char *text, cr_dlog_anchor *a, char *whybuf, size_t whysz)
{
    memset(a, 0, sizeof *a);
    const char *p = text, *v;
    size_t n;
    const char magic[] = "credo-log-head v1\n";
    if (strncmp(p, magic, strlen(magic)) != 0)
        return why(whybuf, whysz, "not an anchor of a credo decision log (its first line is not credo-log-head v1)");
    p += strlen(magic);
    if (!(v = line_value(&p, "log", &n)) || n != CR_DLOG_ID_LEN)
        return why(whybuf, whysz, "its log line is not 'log' and 32 hex digits");
    memcpy(a->log_id, v, n);
    a->log_id[n] = '\0';
    a->has_log_id = true;
    if (!(v = line_value(&p, "seq", &n)) || !parse_seq(v, n, &a->seq))
        return why(whybuf, whysz, "its seq line is not 'seq' and a row number");
    if (!(v = line_value(&p, "rows", &n)) || !parse_seq(v, n, &a->rows))
        return why(whybuf, whysz, "its rows line is not 'rows' and a count");
    if (!(v = line_value(&p, "head", &n)) || !parse_hex(v, n, a->head, sizeof a->head))
        return why(whybuf, whysz, "its head line is not 'head' and 64 hex digits");
    if (!*p)
        return true;
    if (!(v = line_value(&p, "signer", &n)) || !parse_hex(v, n, a->signer, sizeof a->signer))
        return why(whybuf, whysz, "its signer line is not 'signer' and 64 hex digits");
    if (!(v = line_value(&p, "signature", &n)) || !parse_hex(v, n, a->signature, sizeof a->signature))
        return why(whybuf, whysz, "its signature line is not 'signature' and 128 hex digits");
    if (*p)
        return why(whybuf, whysz, "it has more lines than an anchor");
    a->is_signed = true;
    return true;
}

bool cr_dlog_anchor_read(const char *path, cr_dlog_anchor *a, char *err, size_t errsz)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return false;
    }
    char text[1024];
    size_t n = fread(text, 1, sizeof text - 1, f);
    bool too_long = !feof(f);
    fclose(f);
    text[n] = '\0';
    char w[160];
    if (too_long || strlen(text) != n) {
        snprintf(err, errsz, "%s: not an anchor of a credo decision log", path);
        return false;
    }
    if (!parse_anchor(text, a, w, sizeof w)) {
        snprintf(err, errsz, "%s: %s", path, w);
        return false;
    }
    return true;
}

bool cr_dlog_anchor_text(const cr_dlog_anchor *a, const cr_ed25519_key *signer, char *out, size_t size)
{
    char head[256];
    size_t n = cr_dlog_head_text(a->log_id, a->seq, a->rows, a->head, head, sizeof head);
    int w;
    if (signer) {
        uint8_t sig[CR_ED25519_SIG_LEN];
        char pub[2 * CR_ED25519_KEY_LEN + 1], sighex[2 * CR_ED25519_SIG_LEN + 1];
        cr_ed25519_sign(signer, head, n, sig);
        cr_hex(signer->pub, CR_ED25519_KEY_LEN, pub);
        cr_hex(sig, CR_ED25519_SIG_LEN, sighex);
        w = snprintf(out, size, "%ssigner %s\nsignature %s\n", head, pub, sighex);
    } else {
        w = snprintf(out, size, "%s", head);
    }
    return w > 0 && (size_t)w < size;
}
