/* The code a session runs: the program's code with superinstructions
 * (lang/opcodes.h, CR_SUPER_OPCODES) at the start of the runs they stand
 * for. */
#ifndef CREDO_VM_FUSE_H
#define CREDO_VM_FUSE_H

#include "../lang/program.h"

/* A malloc'd copy of p->code with superinstructions in it, or NULL when
 * out of memory (the session then runs p->code as it is). */
cr_ins *cr_fuse_code(const cr_program *p);

#endif
