/* Compiled policies: a program (lang/program.h) written to a binary
 * .credoc file and read back.
 *
 * A .credoc carries the policy's identity, the SHA-256 and the full text of
 * its source (for audit: what ran is what was approved) and the complete
 * program, so `credo run FILE.credoc` decides exactly like the source did
 * when it was compiled, without compiling it again.
 *
 * Layout (every integer little-endian; a string is a u32 length and its
 * bytes, length 0xFFFFFFFF for an absent one; every count is a u32):
 *   "CREDOC", u16 format version, 32 bytes SHA-256 of the source,
 *   file, name, title, version, owner, u8 has_effective, i64 effective,
 *   source text, type graph (label sets, records, types: each refers only
 *   to entries before it, so there are no cycles), input record, name and key,
 *   code (op, a, b, c, span), constants, lets, results, rules, scorecards,
 *   characteristics, segments, tables, regex patterns, lookups (name,
 *   source, path, table, key column, 32 bytes SHA-256 of the data file, row
 *   type, span, then each row: its key and one value per column; no index,
 *   the reader builds one), nlocals, max_stack, max_table_rows, has_decide:
 *   the content.  Then the seal:
 *     32 bytes   SHA-256 of the content, every byte of it from the magic on
 *     k times    32 bytes Ed25519 public key, 64 bytes its signature of
 *                "credo-credoc-v3\n" and the 32 bytes above
 *     u8         k, the number of signatures (0 or more)
 *   Nothing may follow.
 *
 * Every byte is covered.  cr_credoc_read refuses a file whose content does
 * not hash to its seal, or whose signature does not verify, before reading
 * anything else; so a changed byte, a cut-off file or an edited source
 * with its own hash recomputed is refused.  A person who can write the
 * file can still recompute the seal: the program's identity
 * (program_sha256, written with every decision) is then one no release
 * produced, and only a signature by a key the caller trusts (`credo run
 * --trust KEY.pub`) keeps such a file from running at all.
 *
 * Beyond the seal, a .credoc is untrusted input: cr_credoc_read checks every
 * length, count, index, opcode, operand, jump, value and type, and
 * verifies the code (cr_program_verify) before returning a program, so a
 * file that reads back is one the VM can run without going out of bounds. */
#ifndef CREDO_CREDOC_H
#define CREDO_CREDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lang/program.h"
#include "runtime/core/ed25519.h"

#define CR_CREDOC_MAGIC "CREDOC"
#define CR_CREDOC_MAGIC_LEN 6
/* 2: lookups (reference tables) after the regex patterns.
 * 3: the seal (SHA-256 of every byte, signatures); version 2 files, which
 *    have none, are refused. */
/* 4: the input's key (a string, absent for app_id) after its name. */
#define CR_CREDOC_VERSION 4

/* The bytes of p's .credoc in a malloc'd buffer (*len bytes), sealed and,
 * when signer is not NULL, signed with it (it must hold its secret); NULL
 * when out of memory. */
void *cr_credoc_encode(const cr_program *p, const cr_ed25519_key *signer, size_t *len);

/* Writes p's .credoc to out, as cr_credoc_encode makes it.  False when out
 * of memory or when writing fails (errno says why). */
bool cr_credoc_write(const cr_program *p, const cr_ed25519_key *signer, FILE *out);

/* Fills p->program_sha256, the identity of what runs (program.h).  False
 * when out of memory.  cr_compile and cr_credoc_read call it. */
bool cr_program_identity(cr_program *p);

/* Do these bytes start like a .credoc (its magic)? */
bool cr_credoc_is(const void *data, size_t len);

/* The public keys a caller accepts signatures of.  With none, a .credoc
 * need not be signed (a signature it carries must still verify); with
 * some, it must carry a valid signature by one of them. */
typedef struct cr_credoc_trust {
    const cr_ed25519_key *keys;
    uint32_t nkeys;
} cr_credoc_trust;

/* Reads a .credoc.  Returns a program that owns everything it points to
 * (free it with cr_program_free), or NULL with a message in err
 * ("credoc: jump at instruction 57 goes to 9000, past the end (412
 * instructions)").  Nothing in data is trusted.  trust may be NULL. */
cr_program *cr_credoc_read(const void *data, size_t len, const cr_credoc_trust *trust, char *err, size_t errsize);

/* Checks that p's code is safe to run: opcodes and operands in range,
 * jumps inside their own let or the main code, each let ending in its
 * LET_END, the stack never below its start, above max_stack or at two
 * depths at one instruction, and every value used as the VM expects
 * (conditions are bools, only lists are indexed, records have the field
 * asked for...).  True when it is; else false with a message in err.
 * cr_credoc_read runs it on every program it reads. */
bool cr_program_verify(const cr_program *p, char *err, size_t errsize);

#endif
