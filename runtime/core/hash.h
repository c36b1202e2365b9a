/* FNV-1a over bytes: the one hash of the project's open-addressing
 * indexes (record fields, the names of a policy, lookup keys, reason
 * codes in credo diff).  Every probe then compares the bytes. */
#ifndef CREDO_HASH_H
#define CREDO_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t cr_hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

#endif
