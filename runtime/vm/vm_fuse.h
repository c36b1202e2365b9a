/* The code a session runs: the program's code with superinstructions
 * (lang/opcodes.h, CR_SUPER_OPCODES) at the start of the runs they stand
 * for. */
#ifndef CREDO_VM_FUSE_H
#define CREDO_VM_FUSE_H

#include "lang/program.h"

/* A malloc'd copy of p->code with superinstructions in it, or NULL when
 * out of memory (the session then runs p->code as it is). */
cr_ins *cr_fuse_code(const cr_program *p);

/* Whether no instruction of p can run twice in one application: every
 * jump goes forward (only a loop over a list jumps back), and each let's
 * code runs at most once (the VM keeps its value).  The verifier keeps
 * every jump inside its own code, so then an application runs at most
 * p->ncode instructions. */
bool cr_code_runs_once(const cr_program *p);

#endif
