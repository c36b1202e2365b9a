# credo build.  `make` builds build/credo and build/libcredo.a; `make test`
# runs every test (plain build, then AddressSanitizer + UBSan build);
# `make demo` runs the demo policy; `make bench` measures speed.

# The release, as runtime/version.h writes it: credo_version(), `credo
# --version`, credo.pc (tests/golden/version.sh checks they agree).
VERSION  := $(shell sed -n 's/^\#define CREDO_VERSION "\(.*\)"$$/\1/p' runtime/version.h)

CC       ?= cc
BUILD    ?= build
# What the library links (the scripts that build against it read this
# list with `make -s print-LIB_PKGS`), and what the command adds.
LIB_PKGS := libpcre2-8 sqlite3 nettle hogweed
PKGS     := $(LIB_PKGS) libmicrohttpd libcjson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
CMOCKA_LIBS := $(shell pkg-config --libs cmocka)

OPT      ?= -O2
# Link-time optimisation: the VM's calls into the arithmetic and the
# built-ins (other files) are inlined across files; fat objects keep
# ordinary code too, so a program that links libcredo.a without LTO (the
# unit tests, a user's build) gets it.  The sanitizer build turns it off.
# The archive's symbol index must see into LTO objects: gcc-ar is ar with
# gcc's LTO plugin.  Clang (14) makes no fat objects, and bitcode alone
# could not be linked by a program built without LTO, so with clang LTO
# is off by default and plain ar fits; llvm-ar if LTO is asked for.
CC_IS_CLANG := $(findstring clang,$(shell $(CC) --version 2>/dev/null))
ifeq ($(CC_IS_CLANG),)
LTO      ?= -flto=auto -ffat-lto-objects
ARCHIVER := gcc-ar
else
LTO      ?=
ARCHIVER := $(if $(strip $(LTO)),llvm-ar,ar)
endif
ifeq ($(origin AR),default)
AR       := $(ARCHIVER)
endif
SAN      ?=
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS   ?=
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. -I$(BUILD)/gen $(PKG_CFLAGS)
# -fvisibility=hidden: only what credo.h marks CREDO_API leaves libcredo.so
# (with the version script runtime/libcredo.map).
ALLCFLAGS = -std=c11 $(OPT) $(LTO) -g -fPIC -fvisibility=hidden $(SAN) -pthread $(CFLAGS)
# libcsv (lang/lookup.c reads CSV tables with it) and libunistring (names
# and display widths: lang/names.c, runtime/core/utf8.c) have no
# pkg-config file in Debian's libcsv-dev and libunistring-dev, so they are
# named here by hand (`make -s print-LIB_LIBS` for the scripts).
LIB_LIBS := -lcsv -lunistring
LDLIBS   += $(PKG_LIBS) $(LIB_LIBS) -lm -pthread

# The library: every layer but the command line and the server, which are
# programs built on it (runtime/README.md).
LIB_SRC  := $(wildcard runtime/core/*.c stdlib/*.c lang/*.c runtime/vm/*.c \
              runtime/io/*.c runtime/*.c runtime/audit/*.c runtime/author/*.c)
CLI_SRC  := $(wildcard runtime/cli/*.c runtime/serve/*.c runtime/lsp/*.c)
GEN_SRC  := $(BUILD)/gen/parser.c $(BUILD)/gen/lexer.c
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/parser.o $(BUILD)/obj/gen/lexer.o
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all test unit golden demo bench fuzz clean san-test install java FORCE
all: $(BUILD)/credo $(BUILD)/libcredo.a $(BUILD)/libcredo.so

$(BUILD)/gen/parser.c $(BUILD)/gen/parser.h &: lang/parser.y
	@mkdir -p $(@D)
	bison -Wall -Werror --defines=$(BUILD)/gen/parser.h -o $(BUILD)/gen/parser.c $<

# (The scanner includes parser.h, but flex does not read it: the lexer's
# object waits on it, through its dependency file, not the lexer's text.)
$(BUILD)/gen/lexer.c $(BUILD)/gen/lexer.h &: lang/lexer.l
	@mkdir -p $(@D)
	flex --header-file=$(BUILD)/gen/lexer.h -o $(BUILD)/gen/lexer.c $<

# Every object waits for the generated headers to exist (order-only: a
# newer header does not rebuild it); -MMD writes what each one includes,
# read back at the end of this file, so a grammar change rebuilds only
# the objects that include parser.h or lexer.h.
GEN_H    := $(BUILD)/gen/parser.h $(BUILD)/gen/lexer.h

# Generated code gets a lighter warning set.
$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c | $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALLCFLAGS) -Wall -Wno-unused-function -Wno-sign-compare -Wno-unused-parameter -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.c | $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALLCFLAGS) $(WARN) -MMD -MP -c $< -o $@

# `credo --version`: after the version (runtime/version.h), the commit
# (`git describe`, "unknown" outside a git checkout) and the build's options.  Written on every make,
# but replaced only when it changes, so an unchanged tree does not relink.
$(BUILD)/gen/version.h: FORCE
	@mkdir -p $(@D)
	@printf '#define CREDO_COMMIT "%s"\n#define CREDO_BUILD "%s"\n' \
	    "$$(git describe --always --dirty 2>/dev/null || echo unknown)" \
	    '$(strip $(CC) $(OPT) $(LTO) $(SAN))' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/obj/runtime/cli/cli_version.o: $(BUILD)/gen/version.h
$(BUILD)/obj/runtime/cli/cli_version.o: CPPFLAGS += -include $(BUILD)/gen/version.h
FORCE:

$(BUILD)/libcredo.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/libcredo.so: $(LIB_OBJ) runtime/libcredo.map
	$(CC) $(ALLCFLAGS) -shared -Wl,-soname,libcredo.so.0 -Wl,--version-script=runtime/libcredo.map \
	    -o $@ $(LIB_OBJ) $(LDLIBS)

$(BUILD)/credo: $(CLI_OBJ) $(BUILD)/libcredo.a
	$(CC) $(ALLCFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libcredo.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcredo.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALLCFLAGS) -fno-lto $(WARN) -Wno-missing-prototypes -o $@ $< $(BUILD)/libcredo.a $(LDLIBS) $(CMOCKA_LIBS)

# The Java binding (runtime/bindings/java): libcredo_jni.so, with the
# library linked in from libcredo.a (only the JNI functions exported, so
# it needs no libcredo.so beside it), and credo.jar, made by the JDK's
# javac and jar.  JAVA_HOME (for jni.h) defaults to the JDK javac is from.
JAVAC    ?= javac
JAR      ?= jar
JAVA_HOME ?= $(patsubst %/bin/javac,%,$(realpath $(shell command -v $(JAVAC) 2>/dev/null)))
JAVA_SRC := $(wildcard runtime/bindings/java/credo/*.java)

java: $(BUILD)/java/libcredo_jni.so $(BUILD)/java/credo.jar

$(BUILD)/java/libcredo_jni.so: runtime/bindings/java/credo_jni.c runtime/credo.h $(BUILD)/libcredo.a
	@mkdir -p $(@D)
	@[ -f "$(JAVA_HOME)/include/jni.h" ] || { echo "no jni.h under JAVA_HOME=$(JAVA_HOME) (apt-get install openjdk-17-jdk-headless)"; exit 1; }
	$(CC) $(CPPFLAGS) -I$(JAVA_HOME)/include -I$(JAVA_HOME)/include/linux $(ALLCFLAGS) $(WARN) -Wno-missing-prototypes \
	    -shared -Wl,--exclude-libs,ALL -o $@ $< $(BUILD)/libcredo.a \
	    $(shell pkg-config --libs $(LIB_PKGS)) $(LIB_LIBS) -lm -pthread

$(BUILD)/java/credo.jar: $(JAVA_SRC)
	@rm -rf $(BUILD)/java/classes && mkdir -p $(BUILD)/java/classes
	$(JAVAC) --release 17 -Xlint:all -Werror -d $(BUILD)/java/classes $(JAVA_SRC)
	$(JAR) --create --file $@ -C $(BUILD)/java/classes .

unit: $(UNIT_BIN)
	@sh tests/run_unit.sh $(BUILD)/test-results $(UNIT_BIN)

golden: $(BUILD)/credo
	@sh tests/run_golden.sh $(BUILD)/test-results $(BUILD)/credo

# Every test, twice: a plain optimised build, then the same suite built
# with AddressSanitizer and UndefinedBehaviorSanitizer in $(BUILD)/san,
# where CR_ASSERT (runtime/core/check.h) is active too.
test: all
	@rm -rf $(BUILD)/test-results $(BUILD)/san/test-results
	@$(MAKE) --no-print-directory unit golden
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/san OPT=-O1 LTO= \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -DCREDO_CHECKS" san-test
	@sh tests/summary.sh

# (tests/golden/threads_tsan.sh builds its own ThreadSanitizer binaries,
# the same in both passes: the plain pass runs it, this one does not.)
san-test: all
	@ASAN_OPTIONS=detect_leaks=1 CREDO_TSAN_DONE=1 $(MAKE) --no-print-directory unit golden

demo: $(BUILD)/credo
	@sh examples/demo.sh $(BUILD)/credo

# Speed: never part of `make test`'s pass/fail.
bench: all
	@sh tests/bench/run.sh $(BUILD)

# Fuzzing with libFuzzer (clang): FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz:
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

PREFIX ?= /usr/local
install: all
	@sh tools/install.sh $(BUILD) $(DESTDIR)$(PREFIX)

clean:
	rm -rf build

# `make -s print-VAR`: a variable's value, for the scripts in tests/ and tools/.
print-%:
	@echo $($*)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
