#!/bin/sh
# Fuzzing with libFuzzer (clang): `make fuzz FUZZ_SECONDS=N` or
# `sh tests/fuzz/run.sh N` from the project root.
#
# Builds every target of tests/fuzz/ (fuzz_*.c) with
# -fsanitize=fuzzer,address,undefined against the library compiled from
# its sources (the Makefile's LIB_SRC plus the generated parser and lexer)
# into build/fuzz/, seeds each from the project's policies and
# applications, and runs each for N seconds (default 60).  A crash, leak,
# timeout or out-of-memory stops libFuzzer: its input is copied into
# tests/fuzz/regressions/<target>/ and the target goes on for the rest of
# its time.  tests/golden/fuzz_regressions.sh replays those files in
# `make test`.  The corpus each run grows is kept in build/fuzz/corpus/.
#
# Environment: FUZZ_TARGETS="compile json" runs only those targets;
# FUZZ_JOBS=N builds with N compilers at once (default: the CPUs).
# Ends with one line per target: seconds, runs, executions, coverage
# (libFuzzer's cov and ft), corpus size, crashes found; exit 1 when a
# target found a crash.
set -u
cd "$(dirname "$0")/../.." || exit 2
secs=${1:-60}
case $secs in '' | *[!0-9]*) echo "usage: tests/fuzz/run.sh SECONDS" >&2; exit 2 ;; esac
command -v clang >/dev/null 2>&1 || { echo "fuzz: clang is needed (apt-get install clang)" >&2; exit 2; }

out=build/fuzz
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
mkdir -p "$out/obj" "$out/seeds" "$out/corpus" "$out/artifacts" "$out/logs"

# ---- build -------------------------------------------------------------------
# the generated parser and lexer, and build/credo for the .credoc seeds
make -s --no-print-directory build/gen/parser.c build/gen/lexer.c build/credo || exit 1
lib_src=$(make -s --no-print-directory --eval 'fuzz-print-lib-src: ; @echo $(LIB_SRC)' fuzz-print-lib-src) || exit 1
[ -n "$lib_src" ] || { echo "fuzz: no LIB_SRC from the Makefile" >&2; exit 1; }
pkgs=$(make -s --no-print-directory print-LIB_PKGS)
pkg_cflags=$(pkg-config --cflags $pkgs)
pkg_libs="$(pkg-config --libs $pkgs) $(make -s --no-print-directory print-LIB_LIBS)"
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cflags="-std=c11 -g -O1 $san -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. -Ibuild/gen $pkg_cflags"
export cflags out
# one object per library source, rebuilt when the source or any header is newer
newest_header=$(ls -t $(find lang runtime stdlib -name "*.h") build/gen/*.h | head -1)
export newest_header
for src in $lib_src build/gen/parser.c build/gen/lexer.c; do echo "$src"; done |
    xargs -P "$jobs" -I{} sh -c '
        src={}; obj=$out/obj/$(echo "$src" | tr / _).o
        if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_header" -nt "$obj" ]; then
            clang $cflags -fsanitize=fuzzer-no-link -w -c "$src" -o "$obj" || { echo "fuzz: cannot compile $src" >&2; exit 255; }
        fi' || exit 1
objs=""
for src in $lib_src build/gen/parser.c build/gen/lexer.c; do objs="$objs $out/obj/$(echo "$src" | tr / _).o"; done

all_targets=""
for f in tests/fuzz/fuzz_*.c; do
    t=$(basename "$f" .c); t=${t#fuzz_}
    all_targets="$all_targets $t"
done
targets=${FUZZ_TARGETS:-$all_targets}
for t in $targets; do
    # shellcheck disable=SC2086
    clang $cflags -fsanitize=fuzzer "tests/fuzz/fuzz_$t.c" $objs $pkg_libs -lm -o "$out/fuzz_$t" ||
        { echo "fuzz: cannot build fuzz_$t" >&2; exit 1; }
done

# ---- seeds -------------------------------------------------------------------
policies=$(ls policies/*.credo tests/golden/*.credo tests/golden/*/*.credo 2>/dev/null | grep -v '\.test\.credo$')
# the examples' application file of a policy, if any
apps_of() {
    case $1 in
    policies/sme_tax_loan.credo) echo tests/reference/applicants.jsonl ;;
    policies/*) f=examples/$(basename "$1" .credo).jsonl; [ -f "$f" ] && echo "$f" ;;
    tests/golden/*.credo) f=${1%.credo}.jsonl; [ -f "$f" ] && echo "$f" ;;
    esac
}
seed() {   # seed TARGET NAME < content
    mkdir -p "$out/seeds/$1"
    cat >"$out/seeds/$1/$2"
}
rm -rf "$out/seeds"
n=0
for p in $policies; do
    n=$((n + 1))
    seed compile "$n" <"$p"
    apps=$(apps_of "$p")
    if [ -n "$apps" ]; then
        { cat "$p"; printf '\n---\n'; head -8 "$apps"; } | seed run "$n"
    else
        seed run "$n" <"$p"
    fi
    if build/credo compile "$p" -o "$out/seed.credoc" >/dev/null 2>&1; then
        seed credoc "$n" <"$out/seed.credoc"
    fi
done
rm -f "$out/seed.credoc"
n=0
{ head -300 tests/reference/applicants.jsonl; cat tests/golden/*.jsonl; head -3 examples/*.jsonl | grep '^{'; } |
    while IFS= read -r line; do
        n=$((n + 1))
        printf '%s' "$line" | seed json "$n"
    done
n=0
for f in tests/golden/lookup/*.csv; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    seed lookup "csv$n" <"$f"
done
printf 'code,name,amount,n,on,flag\nK1,"a, ""b""",12.50,3,2026-01-31,true\r\nK2,,,,,\n' | seed lookup typed
printf 'code,amount\nK1,1e400\nK1,2\n' | seed lookup bad
cat tests/fuzz/credo.dict tests/fuzz/json.dict >"$out/run.dict"

# ---- fuzz --------------------------------------------------------------------
status=0
summary=$out/summary.txt
: >"$summary"
for t in $targets; do
    case $t in
    compile) opts="-max_len=32768 -dict=tests/fuzz/credo.dict" ;;
    run) opts="-max_len=32768 -dict=$out/run.dict" ;;
    json) opts="-max_len=16384 -dict=tests/fuzz/json.dict" ;;
    lookup) opts="-max_len=16384" ;;
    *) opts="" ;;
    esac
    corpus=$out/corpus/$t
    arts=$out/artifacts/$t
    regress=tests/fuzz/regressions/$t
    mkdir -p "$corpus" "$arts" "$out/seeds/$t"
    rm -f "$out/logs/$t".*.log
    start=$(date +%s)
    runs=0 execs=0 crashes=0 cov=0 ft=0 corp=0
    while :; do
        left=$((secs - ($(date +%s) - start)))
        [ "$left" -gt 0 ] || break
        runs=$((runs + 1))
        log=$out/logs/$t.$runs.log
        before=$(ls "$arts" | wc -l)
        # shellcheck disable=SC2086
        ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
            "$out/fuzz_$t" $opts -max_total_time="$left" -timeout=20 -rss_limit_mb=2560 \
            -print_final_stats=1 -artifact_prefix="$arts/" "$corpus" "$out/seeds/$t" \
            $( [ -d "$regress" ] && echo "$regress" ) >"$log" 2>&1
        rc=$?
        e=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        execs=$((execs + ${e:-0}))
        last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
        if [ -n "$last" ]; then
            cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
            ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
            corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
        fi
        after=$(ls "$arts" | wc -l)
        if [ "$after" -gt "$before" ] || [ "$rc" -ne 0 ]; then
            found=0
            for a in "$arts"/*; do
                [ -f "$a" ] || continue
                mkdir -p "$regress"
                name=$(basename "$a")
                if [ ! -f "$regress/$name" ]; then
                    cp "$a" "$regress/$name"
                    found=$((found + 1))
                    echo "fuzz_$t: $name copied to $regress/ (log: $log)"
                    grep -m1 -E 'ERROR: |SUMMARY: |runtime error|ALARM|out-of-memory|fuzz_' "$log" | sed 's/^/    /'
                fi
            done
            crashes=$((crashes + found))
            status=1
            if [ "$found" -eq 0 ]; then
                # no new input: a known regression still fails, or libFuzzer itself did
                echo "fuzz_$t: libFuzzer exited $rc with no new crash input; see $log" >&2
                grep -m1 -E 'ERROR: |SUMMARY: |runtime error|ALARM|out-of-memory|fuzz_' "$log" | sed 's/^/    /' >&2
                break
            fi
        fi
    done
    took=$(($(date +%s) - start))
    line="fuzz_$t: ${took}s, $runs run(s), $execs executions, cov $cov, ft $ft, corpus $corp, crashes $crashes"
    echo "$line" | tee -a "$summary"
done
echo "fuzz: summary in $summary, logs in $out/logs/"
exit $status
