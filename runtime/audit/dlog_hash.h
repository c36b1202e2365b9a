/* The decision log's hash rules, byte by byte (decision_log.h says what
 * each covers and why): the row hash of schemas 1 and 2, and of schema 3
 * its content digest, row hash (plain SHA-256 or HMAC-SHA256 with the
 * log's key), genesis, key id and the signed head text.
 * Internal to runtime/audit/. */
#ifndef CREDO_DLOG_HASH_H
#define CREDO_DLOG_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "runtime/core/sha256.h"

/* A field's bytes; p NULL is an SQL NULL, hashed as the length
 * 0xFFFFFFFFFFFFFFFF and no bytes, unlike any text. */
typedef struct dlog_field {
    const void *p;
    size_t len;
} dlog_field;

static inline dlog_field dlog_text(const char *s) { return (dlog_field){s, s ? strlen(s) : 0}; }

/* ---- schemas 1 and 2 ---- */

enum { V2_PREV, V2_APP_ID, V2_POLICY, V2_AS_OF, V2_APPLICATION, V2_OUTCOME, V2_REASONS, V2_RESULTS, V2_FIRED,
       V2_DECIDED_BY, V2_CREATED_AT, V2_DATA, V2_NFIELDS };

/* The lower-case hex SHA-256 row_hash of a schema 1 or 2 row. */
void cr_dlog_row_hash_v2(const dlog_field f[V2_NFIELDS], char out[CR_SHA256_HEX_LEN + 1]);

/* ---- schema 3 ---- */

/* The chain's hash: plain SHA-256 for a log without a key, HMAC-SHA256
 * with the key for a keyed one.  The key is set once. */
typedef struct dlog_mac {
    bool keyed;
    cr_sha256_ctx sha;
    cr_hmac_sha256_ctx hmac;
} dlog_mac;

void cr_dlog_mac_init(dlog_mac *m, const uint8_t *key, size_t len);   /* key NULL: plain */

/* The fields of a schema 3 row that its row_hash covers. */
typedef struct dlog_row {
    dlog_field app_id, policy, program, as_of, decided_by, outcome, reasons, fired, created_at, supersedes;
    uint8_t content[CR_SHA256_LEN];   /* cr_dlog_content_hash of its data, application and results */
} dlog_row;

/* SHA-256 of "credo-decision-content-v3\n", data_sha256, application,
 * results (each length-prefixed).  Its first 8 bytes are the row's
 * input_hash. */
void cr_dlog_content_hash(dlog_field data, dlog_field application, dlog_field results, uint8_t out[CR_SHA256_LEN]);
/* row_hash: the MAC of "credo-decision-log-v3\n", prev_hash and the
 * row's fields. */
void cr_dlog_row_hash(dlog_mac *m, const uint8_t prev[CR_SHA256_LEN], const dlog_row *r, uint8_t out[CR_SHA256_LEN]);
/* The prev_hash of seq 1: the MAC of "credo-decision-log-v3 genesis\n"
 * and the log's id, so the chain belongs to one log. */
void cr_dlog_genesis(dlog_mac *m, const char *log_id, uint8_t out[CR_SHA256_LEN]);
/* The first 8 bytes of a digest as a signed 64-bit integer (big-endian):
 * a row's input_hash, as SQLite indexes it most cheaply. */
int64_t cr_dlog_int64(const uint8_t d[CR_SHA256_LEN]);
/* The key's id, 16 hex digits of HMAC(key, "credo-log-key-id"): names a
 * key without revealing it. */
void cr_dlog_key_id_of(const uint8_t *key, size_t len, char out[17]);

/* The text a checkpoint or an anchor signs:
 * "credo-log-head v1\nlog ID\nseq N\nrows N\nhead HEX\n".  Returns its
 * length (less than size). */
size_t cr_dlog_head_text(const char *log_id, int64_t seq, int64_t rows, const uint8_t head[CR_SHA256_LEN], char *out,
                      size_t size);

#endif
