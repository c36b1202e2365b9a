/* The decision log's hash rules (dlog_hash.h, decision_log.h).  Every
 * field is its length in 8 bytes big-endian, then its bytes, so no two
 * different rows give the same byte string. */
#include "runtime/audit/dlog_hash.h"

#include <inttypes.h>
#include <stdio.h>

#define V2_DOMAIN "credo-decision-log-v1\n"
#define V3_DOMAIN "credo-decision-log-v3\n"
#define CONTENT_DOMAIN "credo-decision-content-v3\n"
#define GENESIS_DOMAIN "credo-decision-log-v3 genesis\n"
#define KEY_ID_TEXT "credo-log-key-id"

/* ---- a length-prefixed field into a hash --------------------------------------- */

typedef void (*update_fn)(void *ctx, const void *p, size_t n);

static void put_sha(void *ctx, const void *p, size_t n) { cr_sha256_update(ctx, p, n); }
static void put_hmac(void *ctx, const void *p, size_t n) { cr_hmac_sha256_update(ctx, p, n); }

static void put_field(update_fn up, void *ctx, dlog_field f)
{
    uint64_t n = f.p ? (uint64_t)f.len : UINT64_MAX;
    uint8_t be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(n >> (56 - 8 * i));
    up(ctx, be, sizeof be);
    if (f.p && f.len)
        up(ctx, f.p, f.len);
}

/* ---- schemas 1 and 2 ------------------------------------------------------------ */

void cr_dlog_row_hash_v2(const dlog_field f[V2_NFIELDS], char out[CR_SHA256_HEX_LEN + 1])
{
    cr_sha256_ctx c;
    cr_sha256_init(&c);
    cr_sha256_update(&c, V2_DOMAIN, strlen(V2_DOMAIN));
    for (int i = 0; i < V2_DATA; i++)
        put_field(put_sha, &c, f[i]);
    if (f[V2_DATA].p)
        put_field(put_sha, &c, f[V2_DATA]);   /* only a row decided with reference tables has it */
    uint8_t d[CR_SHA256_LEN];
    cr_sha256_final(&c, d);
    cr_sha256_hex(d, out);
}

/* ---- schema 3 ------------------------------------------------------------------- */

void cr_dlog_mac_init(dlog_mac *m, const uint8_t *key, size_t len)
{
    m->keyed = key != NULL;
    if (m->keyed)
        cr_hmac_sha256_init(&m->hmac, key, len);
}

static void mac_begin(dlog_mac *m, const char *domain)
{
    /* a keyed context needs no init: its key was set once, and each
     * final leaves it ready for the next message */
    if (m->keyed) {
        cr_hmac_sha256_update(&m->hmac, domain, strlen(domain));
        return;
    }
    cr_sha256_init(&m->sha);
    cr_sha256_update(&m->sha, domain, strlen(domain));
}

static void mac_field(dlog_mac *m, dlog_field f)
{
    if (m->keyed)
        put_field(put_hmac, &m->hmac, f);
    else
        put_field(put_sha, &m->sha, f);
}

static void mac_end(dlog_mac *m, uint8_t out[CR_SHA256_LEN])
{
    if (m->keyed)
        cr_hmac_sha256_final(&m->hmac, out);
    else
        cr_sha256_final(&m->sha, out);
}

void cr_dlog_content_hash(dlog_field data, dlog_field application, dlog_field results, uint8_t out[CR_SHA256_LEN])
{
    cr_sha256_ctx c;
    cr_sha256_init(&c);
    cr_sha256_update(&c, CONTENT_DOMAIN, strlen(CONTENT_DOMAIN));
    put_field(put_sha, &c, data);
    put_field(put_sha, &c, application);
    put_field(put_sha, &c, results);
    cr_sha256_final(&c, out);
}

void cr_dlog_row_hash(dlog_mac *m, const uint8_t prev[CR_SHA256_LEN], const dlog_row *r, uint8_t out[CR_SHA256_LEN])
{
    mac_begin(m, V3_DOMAIN);
    mac_field(m, (dlog_field){prev, CR_SHA256_LEN});
    mac_field(m, r->app_id);
    mac_field(m, r->policy);
    mac_field(m, r->program);
    mac_field(m, r->as_of);
    mac_field(m, r->decided_by);
    mac_field(m, r->outcome);
    mac_field(m, r->reasons);
    mac_field(m, r->fired);
    mac_field(m, r->created_at);
    mac_field(m, r->supersedes);
    mac_field(m, (dlog_field){r->content, CR_SHA256_LEN});
    mac_end(m, out);
}

void cr_dlog_genesis(dlog_mac *m, const char *log_id, uint8_t out[CR_SHA256_LEN])
{
    mac_begin(m, GENESIS_DOMAIN);
    mac_field(m, dlog_text(log_id));
    mac_end(m, out);
}

int64_t cr_dlog_int64(const uint8_t d[CR_SHA256_LEN])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | d[i];
    return (int64_t)v;   /* two's complement: the same 8 bytes, signed */
}

void cr_dlog_key_id_of(const uint8_t *key, size_t len, char out[17])
{
    cr_hmac_sha256_ctx c;
    uint8_t d[CR_SHA256_LEN];
    char hex[CR_SHA256_HEX_LEN + 1];
    cr_hmac_sha256_init(&c, key, len);
    cr_hmac_sha256_update(&c, KEY_ID_TEXT, strlen(KEY_ID_TEXT));
    cr_hmac_sha256_final(&c, d);
    cr_sha256_hex(d, hex);
    memcpy(out, hex, 16);
    out[16] = '\0';
}

size_t cr_dlog_head_text(const char *log_id, int64_t seq, int64_t rows, const uint8_t head[CR_SHA256_LEN], char *out,
                      size_t size)
{
    char hex[CR_SHA256_HEX_LEN + 1];
    cr_sha256_hex(head, hex);
    int n = snprintf(out, size, "credo-log-head v1\nlog %s\nseq %" PRId64 "\nrows %" PRId64 "\nhead %s\n", log_id, seq,
                     rows, hex);
    return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}
