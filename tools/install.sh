#!/bin/sh
# Installs credo: the command, the library (static and shared), its one
# public header, a pkg-config file and the man pages.  `make install`
# runs it as
#     sh tools/install.sh BUILD DESTDIR+PREFIX
# from the project root, after building.  The pkg-config file must name
# the final prefix, not the staging directory: make passes a DESTDIR given
# on its command line in the environment, and it is taken off here.
#
# Layout under PREFIX:
#   bin/credo
#   lib/libcredo.a, lib/libcredo.so.0 (the soname) and lib/libcredo.so -> libcredo.so.0
#   include/credo.h                  (#include <credo.h>; Cflags: -I${includedir})
#   lib/pkgconfig/credo.pc
#   share/man/man1/credo.1, share/man/man5/credo.5
#   lib/python3/dist-packages/credo/ the Python package (runtime/bindings/python),
#                                    which loads ../../../libcredo.so.0, the one installed here
#   share/java/credo.jar, lib/jni/libcredo_jni.so
#                                    the Java binding, when `make java` has built it
set -eu
if [ $# -ne 2 ]; then
    echo "usage: sh tools/install.sh BUILD PREFIX" >&2
    exit 2
fi
build=$1
dest=$2
for f in "$build/credo" "$build/libcredo.a" "$build/libcredo.so" runtime/credo.h runtime/cli/credo.1 lang/credo.5; do
    [ -f "$f" ] || { echo "install: $f is missing (run make first, from the project root)" >&2; exit 1; }
done

# The prefix the installed files will live under, for credo.pc.
prefix=$dest
destdir=${DESTDIR:-}
if [ -n "$destdir" ]; then
    case $dest in
    "$destdir"/*) prefix=${dest#"$destdir"} ;;
    esac
fi
case $prefix in
/*) ;;
*) prefix=$(pwd)/$prefix ;;
esac

install -d "$dest/bin" "$dest/lib/pkgconfig" "$dest/include" "$dest/share/man/man1" "$dest/share/man/man5"
install -m 755 "$build/credo" "$dest/bin/credo"
install -m 644 "$build/libcredo.a" "$dest/lib/libcredo.a"
# The real file carries the soname (-Wl,-soname,libcredo.so.0), as
# ldconfig expects; libcredo.so is the link-time name.
install -m 755 "$build/libcredo.so" "$dest/lib/libcredo.so.0"
ln -sf libcredo.so.0 "$dest/lib/libcredo.so"
install -m 644 runtime/credo.h "$dest/include/credo.h"
install -m 644 runtime/cli/credo.1 "$dest/share/man/man1/credo.1"
install -m 644 lang/credo.5 "$dest/share/man/man5/credo.5"

# Python: the package as it is in the checkout (pure Python over ctypes).
# lib/python3/dist-packages is where Debian's python3 looks for PREFIX
# /usr; under another prefix, PYTHONPATH names it.
site=$dest/lib/python3/dist-packages/credo
install -d "$site"
install -m 644 runtime/bindings/python/credo/*.py "$site/"

# Java: only what `make java` built (it needs a JDK).  share/java and
# lib/jni are where Debian keeps jars and JNI libraries.
if [ -f "$build/java/credo.jar" ] && [ -f "$build/java/libcredo_jni.so" ]; then
    install -d "$dest/share/java" "$dest/lib/jni"
    install -m 644 "$build/java/credo.jar" "$dest/share/java/credo.jar"
    install -m 755 "$build/java/libcredo_jni.so" "$dest/lib/jni/libcredo_jni.so"
fi

# Static linking needs what libcredo itself links: the Makefile's LIB_PKGS
# (Requires.private), its LIB_LIBS (libcsv: no pkg-config file), libm and
# pthreads (Libs.private).
lib_pkgs=$(make -s --no-print-directory print-LIB_PKGS) || exit 1
lib_libs=$(make -s --no-print-directory print-LIB_LIBS) || exit 1
version=$(make -s --no-print-directory print-VERSION) || exit 1
cat > "$dest/lib/pkgconfig/credo.pc" <<PC
prefix=$prefix
exec_prefix=\${prefix}
libdir=\${exec_prefix}/lib
includedir=\${prefix}/include

Name: credo
Description: credit-policy language: compile policies, decide loan applications
Version: $version
Requires.private: $lib_pkgs
Cflags: -I\${includedir}
Libs: -L\${libdir} -lcredo
Libs.private: $lib_libs -lm -pthread
PC
chmod 644 "$dest/lib/pkgconfig/credo.pc"
echo "installed credo in $dest"
