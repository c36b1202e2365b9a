/* Static types of the language, and the record layouts that give every
 * input field its slot.  The compiler builds them in the policy's arena;
 * the run-time reader uses the same records to fill input slots. */
#ifndef CREDO_TYPES_H
#define CREDO_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cr_kind {
    CR_T_ERROR = 0, /* already reported; silences follow-on errors */
    CR_T_NULL,      /* the literal null */
    CR_T_BOOL,
    CR_T_INT,
    CR_T_DEC,       /* number, money, rate: exact decimal */
    CR_T_TEXT,
    CR_T_DATE,
    CR_T_LIST,      /* list of elem */
    CR_T_RECORD,    /* rec */
    CR_T_SET,       /* constant set of elem */
    CR_T_REGEX,
    CR_T_LABEL      /* one of a closed set of labels (a segment's rows) */
} cr_kind;

typedef struct cr_labels {
    const char *name;        /* the segment that declares them */
    uint32_t count;
    const char *const *names;
} cr_labels;

typedef struct cr_type {
    cr_kind kind;
    bool optional;                /* T?: may be null */
    const char *spelling;         /* "money", "rate", "number"...: for messages */
    const struct cr_type *elem;   /* CR_T_LIST, CR_T_SET */
    const struct cr_record *rec;  /* CR_T_RECORD */
    const cr_labels *labels;      /* CR_T_LABEL */
} cr_type;

typedef struct cr_field {
    const char *name;  /* NUL terminated */
    uint32_t len;
    const cr_type *type;
} cr_field;

/* A record's fields in declaration order; field i lives in slot i of the
 * record's value array.  The index maps names to fields in O(1). */
typedef struct cr_record {
    const char *name;
    uint32_t nfields;
    cr_field *fields;
    uint32_t index_mask;   /* index has index_mask + 1 entries */
    int32_t *index;        /* field number or -1 */
} cr_record;

/* Builds r->index; `alloc` returns zeroed memory that lives as long as r.
 * Returns false when it cannot allocate. */
bool cr_record_build_index(cr_record *r, void *(*alloc)(void *ctx, size_t n), void *ctx);
/* Field number of `name`, or -1. */
int cr_record_find(const cr_record *r, const char *name, size_t len);

/* A categorical text (an input field declared `one of {"a", "b"}`) is a
 * CR_T_TEXT whose labels are its values.  The number of the value
 * s[0..n) among them, or -1; for any other type, 0. */
int cr_type_value_index(const cr_type *t, const char *s, size_t n);
/* Its values, quoted and separated by ", ", into buf (cut short with
 * "..." when buf is too small). */
const char *cr_type_values_text(const cr_type *t, char *buf, size_t size);

/* "int", "money?", "list of number", "record applicant"... into buf. */
const char *cr_type_name(const cr_type *t, char *buf, size_t size);

#endif
