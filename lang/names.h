/* What a name may be: Unicode's default identifiers (UAX #31), so that a
 * policy can name its fields, lets, segments and labels in Chinese
 * (年龄, 优质客户).  A name starts with a letter (XID_Start) or '_' and
 * goes on with letters, digits, '_' and combining marks (XID_Continue);
 * it is written in Unicode's normal form C (NFC), so that one name has
 * one spelling and a JSON key matches its field byte for byte.  ASCII is
 * decided without decoding. */
#ifndef CREDO_NAMES_H
#define CREDO_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* The length in bytes of the longest name at the start of s[0..n), or 0
 * when s does not start with a name. */
size_t cr_name_length(const char *s, size_t n);

/* The length of the character (or run of invalid bytes) at s[0..n) that
 * cannot start a name, and a description of it for a message:
 * "'，' (U+FF0C FULLWIDTH COMMA)", or with *invalid set, "invalid UTF-8
 * (byte 0xe5): ...".  *ascii is set to the ASCII character a fullwidth
 * form stands for ('，' -> ','), or 0. */
size_t cr_name_bad_char(const char *s, size_t n, char *what, size_t size, char *ascii, bool *invalid);

/* True when the name s[0..n) is not in NFC; its NFC form is then in
 * out[0..*len) (cut at size bytes).  Names of up to CR_NAME_NFC_MAX bytes
 * in NFC are normalised without allocating. */
#define CR_NAME_NFC_MAX 512
bool cr_name_not_nfc(const char *s, size_t n, char *out, size_t size, size_t *len);

/* True when s is a reason code: ASCII capitals, digits and '_', with at
 * least one capital (AGE, DTI_HIGH, SC_AGE2). */
bool cr_name_is_code(const char *s);

/* True when s is all ASCII. */
bool cr_name_is_ascii(const char *s);

#endif
