/* The release of credo: the one place it is written.  credo_version()
 * returns it, `credo --version` prints it, the Makefile reads it (make
 * print-VERSION, for credo.pc) and the Python package's pyproject.toml
 * repeats it (tests/golden/version.sh checks they agree). */
#ifndef CREDO_VERSION_H
#define CREDO_VERSION_H

#define CREDO_VERSION "0.1.0"

#endif
