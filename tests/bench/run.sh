#!/bin/sh
# make bench: credo against a hand-written C implementation of the reference
# policy (tests/reference/POLICY.md).  Usage: sh tests/bench/run.sh BUILD
#
# A third program, tests/bench/floor.c, decides the same policy in C on
# credo's own values and built-ins with no VM: its decide-only row is the
# floor under any VM with credo's exact decimals, and the table splits the
# decide-only ratio into the VM's share (credo / floor) and the values'
# share (floor / hand-written).
#
# Builds the bench programs against BUILD/libcredo.a, generates the
# population once into BUILD/bench/, runs everything pinned to one core and
# prints a table.  It reports times, it never fails on one; it exits
# non-zero only when something cannot be built or run.
#
# Knobs (environment): BENCH_N applicants (100000), BENCH_REPS least passes
# per measurement (3; also at least 1 s in all; the best pass is kept),
# BENCH_ROUNDS rounds of the seven timed rows (2; each row keeps its fastest
# round), BENCH_STREAM_N streamed applicants (1000000), BENCH_RULES rules
# of the generated policy (1000), BENCH_LOG_REPS runs of each decision-log
# row (3; the fastest is kept).
# $PIN and $CFLAGS are split into words on purpose.
# shellcheck disable=SC2086,SC2046
set -u
BUILD=${1:-build}
OUT=$BUILD/bench
N=${BENCH_N:-100000}
REPS=${BENCH_REPS:-3}
ROUNDS=${BENCH_ROUNDS:-2}
case $ROUNDS in '' | *[!0-9]* | 0) echo "bench: BENCH_ROUNDS must be a whole number of at least 1" >&2; exit 2 ;; esac
STREAM_N=${BENCH_STREAM_N:-1000000}
RULES=${BENCH_RULES:-1000}
CC=${CC:-cc}
POLICY=policies/sme_tax_loan.credo
REF=tests/reference/applicants.jsonl
EXPECTED=tests/reference/expected.tsv
ASOF=2026-12-01

mkdir -p "$OUT" || exit 1
CFLAGS="-std=c11 -O2 -g -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter"

# ---- build ----
if [ ! -f "$BUILD/libcredo.a" ] || [ ! -x "$BUILD/credo" ]; then
    echo "bench: $BUILD/libcredo.a or $BUILD/credo missing; run make first" >&2
    exit 1
fi
$CC $CFLAGS -o "$OUT/gen" tests/bench/gen.c || exit 1
$CC $CFLAGS -o "$OUT/peakrss" tests/bench/peakrss.c || exit 1
CREDO_PKGS=$(make -s --no-print-directory print-LIB_PKGS)
CREDO_LIBS=$(make -s --no-print-directory print-LIB_LIBS)
# -flto=auto: linked as the credo binary is, so the library's calls across
# its own files are inlined (libcredo.a's objects carry LTO code, Makefile).
for prog in bench_credo floor; do
    $CC $CFLAGS -flto=auto -I. -I"$BUILD/gen" $(pkg-config --cflags $CREDO_PKGS) -o "$OUT/$prog" "tests/bench/$prog.c" \
        "$BUILD/libcredo.a" $(pkg-config --libs $CREDO_PKGS) $CREDO_LIBS -lm -pthread || exit 1
done
HAVE_HW=0
if pkg-config --exists libcjson; then
    $CC $CFLAGS $(pkg-config --cflags libcjson) -o "$OUT/handwritten" tests/bench/handwritten.c \
        $(pkg-config --libs libcjson) -lm || exit 1
    HAVE_HW=1
else
    echo "bench: cJSON not found (apt-get install libcjson-dev): no hand-written rows"
fi

# ---- one core ----
PIN=
PIN_OTHER=
if command -v taskset > /dev/null 2>&1 && taskset -c 0 true 2> /dev/null; then
    PIN="taskset -c 0"
    if taskset -c 1 true 2> /dev/null; then
        PIN_OTHER="taskset -c 1"
    fi
fi

# rss_run FILE CMD...: runs CMD; its peak RSS in KiB goes into FILE.
rss_run() {
    f=$1
    shift
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v -o "$f.v" "$@"
        rc=$?
        sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$f.v" > "$f"
    else
        "$OUT/peakrss" "$f" "$@"
        rc=$?
    fi
    return $rc
}

now_ns() { date +%s%N; }

# ---- inputs ----
POP=$OUT/population-$N.jsonl
if [ ! -s "$POP" ] || [ -n "$(find tests/bench/gen.c "$REF" -newer "$POP" 2> /dev/null)" ]; then
    "$OUT/gen" "$N" "$REF" > "$POP.tmp" && mv "$POP.tmp" "$POP" || exit 1
fi
RULES_POLICY=$OUT/rules-$RULES.credo
"$OUT/gen" --policy "$RULES" > "$RULES_POLICY" || exit 1

echo "credo bench: $N applicants ($POP), each row the fastest of $ROUNDS rounds of the best pass of >= $REPS and >= 1 s, ${PIN:-not pinned}"
if [ -r /proc/cpuinfo ]; then
    sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1 | sed 's/^/cpu: /'
fi
echo "rss: $([ -x /usr/bin/time ] && echo '/usr/bin/time -v' || echo 'getrusage (peakrss)')"
echo

# ---- correctness first ----
if [ "$HAVE_HW" = 1 ]; then
    "$OUT/handwritten" tsv "$REF" > "$OUT/handwritten-reference.tsv"
    total=$(wc -l < "$EXPECTED")
    same=$(paste -d '\n' "$OUT/handwritten-reference.tsv" "$EXPECTED" |
        awk 'NR % 2 == 1 { a = $0; next } a == $0 { n++ } END { print n + 0 }')
    if cmp -s "$OUT/handwritten-reference.tsv" "$EXPECTED"; then
        echo "hand-written vs expected.tsv: MATCH ($same of $total decision lines)"
    else
        echo "hand-written vs expected.tsv: MISMATCH ($same of $total decision lines identical)"
        diff "$OUT/handwritten-reference.tsv" "$EXPECTED" | head -10
    fi
    # The same on the whole population, against credo run (its decision
    # JSON mapped to expected.tsv's format, as tests/golden/reference_policy.sh does).
    "$BUILD/credo" run --as-of $ASOF $POLICY "$POP" |
    sed -e 's/^{"app_id":"\([^"]*\)","decision":"\([A-Z]*\)","reasons":\[\([^]]*\)\],"score":\([-0-9]*\),"tier":"\([A-Z]*\)","limit":\([-0-9.]*\),"rate":\([-0-9.]*\)}$/\1	\2	\4	\5	\6	\7	\3/' |
    awk -F '\t' 'BEGIN { OFS = "\t" }
        NF != 7 { print "unexpected line: " $0; next }
        {
            reasons = $7; gsub(/"/, "", reasons); if (reasons == "") reasons = "-"
            if ($2 == "REJECT") { $4 = "-" }
            if ($2 != "APPROVE") { $5 = "-"; $6 = "-" }
            print $1, $2, $3, $4, $5, $6, reasons
        }' > "$OUT/credo-population.tsv"
    "$OUT/handwritten" tsv "$POP" > "$OUT/handwritten-population.tsv"
    if cmp -s "$OUT/credo-population.tsv" "$OUT/handwritten-population.tsv"; then
        echo "hand-written vs credo run on the $N-applicant population: MATCH (every decision line identical)"
    else
        echo "hand-written vs credo run on the $N-applicant population: MISMATCH"
        diff "$OUT/credo-population.tsv" "$OUT/handwritten-population.tsv" | head -10
    fi
    echo
fi

# ---- the measurements ----
# bench ENGINE MODE: runs one measurement in its own process, its RESULT
# line (with the peak RSS from rss_run replacing the program's own) into
# $OUT/result-ENGINE-MODE, unless an earlier round of the same row was
# faster.  A row's passes all fall within a second or two, so a few
# seconds of load from elsewhere on the host can slow a whole row; the
# rows run in rounds, one after another, and the ratios compare the
# fastest round of each.
bench() {
    engine=$1
    mode=$2
    res=$OUT/result-$engine-$mode
    try=$OUT/try-$engine-$mode
    if [ "$engine" = credo ] || [ "$engine" = floor ]; then
        prog=$OUT/floor
        [ "$engine" = credo ] && prog=$OUT/bench_credo
        rss_run "$try.rss" $PIN "$prog" "$mode" $POLICY "$POP" "$REPS" > "$try.out"
    else
        rss_run "$try.rss" $PIN "$OUT/handwritten" "$mode" "$POP" "$REPS" > "$try.out"
    fi
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "bench: $engine $mode failed (exit $rc)" >&2
        return
    fi
    rss=$(cat "$try.rss" 2> /dev/null)
    grep '^RESULT' "$try.out" | sed "s/rss_kb=[0-9]*/rss_kb=${rss:-0}/" > "$try"
    new=$(sed -n 's/.* best_s=\([0-9.]*\).*/\1/p' "$try")
    old=$(sed -n 's/.* best_s=\([0-9.]*\).*/\1/p' "$res" 2> /dev/null)
    if [ -n "$new" ] && { [ -z "$old" ] || awk -v a="$new" -v b="$old" 'BEGIN { exit !(a < b) }'; }; then
        mv "$try" "$res"
        mv "$try.out" "$res.out"
    fi
}

rm -f "$OUT"/result-credo-* "$OUT"/result-floor-* "$OUT"/result-handwritten-*
round=1
while [ $round -le "$ROUNDS" ]; do
    bench credo e2e
    bench credo decide
    bench credo json
    bench floor decide
    if [ "$HAVE_HW" = 1 ]; then
        bench handwritten e2e
        bench handwritten decide
        bench handwritten json
    fi
    round=$((round + 1))
done
rm -f "$OUT"/try-*

cat "$OUT"/result-credo-e2e "$OUT"/result-credo-decide "$OUT"/result-credo-json "$OUT"/result-floor-decide \
    "$OUT"/result-handwritten-e2e "$OUT"/result-handwritten-decide "$OUT"/result-handwritten-json 2> /dev/null |
awk '
function field(line, k,    i, n, kv) {
    n = split(line, kv, " ")
    for (i = 1; i <= n; i++)
        if (index(kv[i], k "=") == 1) return substr(kv[i], length(k) + 2)
    return ""
}
{
    e = field($0, "engine"); m = field($0, "mode")
    n[e, m] = field($0, "n"); t[e, m] = field($0, "best_s"); r[e, m] = field($0, "rss_kb")
    tally[e, m] = "approve=" field($0, "approve") " refer=" field($0, "refer") " reject=" field($0, "reject") \
                  " error=" field($0, "error") " reasons=" field($0, "reasons")
}
function per(e, m) { return t[e, m] / n[e, m] }
function row(label, e, m) {
    if (!((e, m) in t)) { printf "%-36s %14s %12s %14s\n", label, "-", "-", "-"; return }
    printf "%-36s %14.0f %12.3f %10.1f MiB\n", label, n[e, m] / t[e, m], t[e, m] * 1e6 / n[e, m], r[e, m] / 1024
}
END {
    printf "%-36s %14s %12s %14s\n", "", "decisions/s", "us/decision", "peak RSS"
    row("credo end-to-end", "credo", "e2e")
    row("credo decide-only", "credo", "decide")
    row("credo JSON reading (cr_json_read)", "credo", "json")
    row("floor: credo without its VM", "floor", "decide")
    row("hand-written end-to-end", "handwritten", "e2e")
    row("hand-written decide-only", "handwritten", "decide")
    row("hand-written JSON reading (cJSON)", "handwritten", "json")
    print ""
    if (("credo", "e2e") in t && ("handwritten", "e2e") in t)
        printf "credo / hand-written, end-to-end:  %.2fx the time per decision\n", per("credo", "e2e") / per("handwritten", "e2e")
    if (("credo", "decide") in t && ("handwritten", "decide") in t)
        printf "credo / hand-written, decide-only: %.2fx the time per decision\n", per("credo", "decide") / per("handwritten", "decide")
    if (("credo", "decide") in t && ("floor", "decide") in t && ("handwritten", "decide") in t) {
        printf "  = %.2fx credo / floor (the VM)\n", per("credo", "decide") / per("floor", "decide")
        printf "  x %.2fx floor / hand-written (exact decimals and built-ins: no VM goes below it)\n", \
            per("floor", "decide") / per("handwritten", "decide")
    }
    ok = 1
    ref = tally["credo", "e2e"]
    split("credo,decide floor,decide handwritten,e2e handwritten,decide", others, " ")
    for (i = 1; i <= 4; i++) {
        split(others[i], em, ",")
        if ((em[1], em[2]) in tally && tally[em[1], em[2]] != ref) ok = 0
    }
    printf "outcomes of the timed runs (%s): %s\n", ref, ok ? "the same in every row" : "DIFFER between rows"
}'
echo "(decide-only RSS includes the whole population read in first: lines and slots, or structs;"
echo " the floor row is there only when floor decided every applicant as the VM did: outcome,"
echo " reason codes, score, tier, limit and rate)"
grep -h '^DETAIL' "$OUT/result-credo-decide.out" 2> /dev/null | awk -v n="$N" '
function field(line, k,    i, m, kv) {
    m = split(line, kv, " ")
    for (i = 1; i <= m; i++)
        if (index(kv[i], k "=") == 1) return substr(kv[i], length(k) + 2)
    return ""
}
{
    printf "credo decide-only per decision: %.0f VM instructions; cr_session_begin alone %.3f us of it\n", \
        field($0, "vm_instructions") / n, field($0, "begin_s") * 1e6 / n
}'
echo

# ---- the decision log: what credo run --log costs ----
# The same credo run over the population, to /dev/null: without a log, then
# into a new log of each kind (plain chain, keyed, keyed with signed
# checkpoints).  Each row keeps the fastest of BENCH_LOG_REPS rounds;
# bytes per decision are the log file's size (its WAL checkpointed at
# close) over N.  Not pinned: the log is written on a thread of its own, which
# runs beside the deciding on a second core.
LOG_REPS=${BENCH_LOG_REPS:-3}
if date +%N | grep -q '^[0-9]*$'; then
    rm -f "$OUT/bench-signer.key" "$OUT/bench-signer.pub"
    "$BUILD/credo" keygen "$OUT/bench-signer" > /dev/null || exit 1
    head -c 32 /dev/urandom > "$OUT/bench-log.key"
    # log_run NAME ARGS...: one credo run, its wall time (ns), CPU time
    # and the log's size appended to $OUT/log-runs as "NAME ns cpu_s bytes"
    log_run() {
        name=$1
        shift
        rm -f "$OUT/bench.db" "$OUT/bench.db-wal" "$OUT/bench.db-shm"
        t0=$(now_ns)
        if [ -x /usr/bin/time ]; then
            /usr/bin/time -f "%U %S" -o "$OUT/log.time" "$BUILD/credo" run --as-of $ASOF "$@" $POLICY "$POP" \
                > /dev/null 2> "$OUT/log.err"
        else
            echo "- -" > "$OUT/log.time"
            "$BUILD/credo" run --as-of $ASOF "$@" $POLICY "$POP" > /dev/null 2> "$OUT/log.err"
        fi
        rc=$?
        t1=$(now_ns)
        [ $rc -eq 0 ] || { echo "bench: credo run $* failed: $(cat "$OUT/log.err")" >&2; return; }
        size=0
        [ -f "$OUT/bench.db" ] && size=$(wc -c < "$OUT/bench.db")
        echo "$name $((t1 - t0)) $(awk '{ print ($1 == "-") ? "-" : $1 + $2 }' "$OUT/log.time") $size" >> "$OUT/log-runs"
    }
    # in rounds, one run of each row after another, so that load from
    # elsewhere on the host slows every row alike; each row keeps its fastest
    rm -f "$OUT/log-runs"
    i=0
    while [ $i -lt "$LOG_REPS" ]; do
        log_run none
        log_run plain --log "$OUT/bench.db"
        log_run keyed --log "$OUT/bench.db" --log-key "$OUT/bench-log.key"
        log_run signed --log "$OUT/bench.db" --log-key "$OUT/bench-log.key" --log-sign "$OUT/bench-signer.key"
        i=$((i + 1))
    done
    rm -f "$OUT/bench.db" "$OUT/bench.db-wal" "$OUT/bench.db-shm"
    awk '!($1 in best) || $2 < best[$1] { best[$1] = $2; line[$1] = $0 } END { for (k in line) print line[k] }' \
        "$OUT/log-runs" > "$OUT/log-rows"
    awk -v n="$N" -v reps="$LOG_REPS" '
    { ns[$1] = $2; cpu[$1] = $3; size[$1] = $4 }
    function row(label, k) {
        if (!(k in ns)) { printf "%-40s %8s\n", label, "-"; return }
        printf "%-40s %8.2f %10.2f %9.2fx %8s %10s\n", label, ns[k] / 1e9, ns[k] / 1e3 / n, ns[k] / ns["none"],
            cpu[k] == "-" ? "-" : sprintf("%.2f", cpu[k]), k == "none" ? "-" : sprintf("%.0f", size[k] / n)
    }
    END {
        printf "credo run with a decision log, %d decisions (each row the fastest of %d rounds, not pinned):\n", n, reps
        printf "%-40s %8s %10s %10s %8s %10s\n", "", "wall s", "us/dec", "x no log", "cpu s", "bytes/dec"
        row("no log", "none")
        row("--log (plain SHA-256 chain)", "plain")
        row("--log --log-key (HMAC-SHA256 chain)", "keyed")
        row("--log --log-key --log-sign (checkpoints)", "signed")
        worst = 0
        for (k in ns) if (k != "none" && ns[k] / ns["none"] > worst) worst = ns[k] / ns["none"]
        printf "the slowest log costs %.2fx the time of no log (target <= 3x: %s)\n", worst, worst <= 3 ? "met" : "MISSED"
    }' "$OUT/log-rows"
    echo
fi

# ---- a long stream: constant memory ----
if date +%N | grep -q '^[0-9]*$'; then
    t0=$(now_ns)
    { $PIN_OTHER "$OUT/gen" "$STREAM_N" "$REF"; } |
        { rss_run "$OUT/stream.rss" $PIN "$BUILD/credo" run --as-of $ASOF $POLICY -; echo $? > "$OUT/stream.rc"; } |
        $PIN_OTHER awk '/"decision":"ERROR"/ { e++ } END { print NR, e + 0 }' > "$OUT/stream.count"
    t1=$(now_ns)
    read -r lines errors < "$OUT/stream.count"
    rss=$(cat "$OUT/stream.rss" 2> /dev/null)
    awk -v n="$STREAM_N" -v lines="$lines" -v errors="$errors" -v rc="$(cat "$OUT/stream.rc")" \
        -v ns=$((t1 - t0)) -v rss="${rss:-0}" 'BEGIN {
        s = ns / 1e9
        printf "credo run, %d applicants streamed through a pipe (generator on another core):\n", n
        printf "  %d decision lines, %d ERROR, exit %d; %.2f s, %.0f decisions/s, %.3f us/decision\n", lines, errors, rc, s, n / s, s * 1e6 / n
        printf "  peak RSS %.1f MiB (target < 20 MiB: %s)\n", rss / 1024, rss / 1024 < 20 ? "met" : "MISSED"
    }'
    echo
fi

# ---- a 1,000-rule policy ----
"$OUT/bench_credo" compile "$RULES_POLICY" 20 > "$OUT/result-compile" || echo "bench: compiling $RULES_POLICY failed" >&2
# best_wall CMD...: the shortest of 10 wall times of CMD, in ns.
best_wall() {
    best=
    i=0
    while [ $i -lt 10 ]; do
        t0=$(now_ns)
        "$@" > /dev/null 2>&1 || { echo "bench: $* failed" >&2; break; }
        t1=$(now_ns)
        d=$((t1 - t0))
        if [ -z "$best" ] || [ $d -lt "$best" ]; then best=$d; fi
        i=$((i + 1))
    done
    echo "${best:-0}"
}
best_check=$(best_wall $PIN "$BUILD/credo" check "$RULES_POLICY")
best_spawn=$(best_wall $PIN /bin/true)
rss_run "$OUT/rules-check.rss" $PIN "$BUILD/credo" check "$RULES_POLICY" 2> /dev/null
rss_run "$OUT/result-rules-e2e.rss" $PIN "$OUT/bench_credo" e2e "$RULES_POLICY" "$POP" "$REPS" > "$OUT/result-rules-e2e"
rss_run "$OUT/result-rules-decide.rss" $PIN "$OUT/bench_credo" decide "$RULES_POLICY" "$POP" "$REPS" > "$OUT/result-rules-decide"
awk -v rules="$RULES" -v check_ns="${best_check:-0}" -v spawn_ns="${best_spawn:-0}" -v check_rss="$(cat "$OUT/rules-check.rss" 2> /dev/null)" '
function field(line, k,    i, n, kv) {
    n = split(line, kv, " ")
    for (i = 1; i <= n; i++)
        if (index(kv[i], k "=") == 1) return substr(kv[i], length(k) + 2)
    return ""
}
FILENAME ~ /compile$/ && /^RESULT/ { best = field($0, "best_ms"); median = field($0, "median_ms"); code = field($0, "code") }
FILENAME ~ /e2e$/ && /^RESULT/ { e2e = field($0, "best_s") / field($0, "n"); tally = $0 }
FILENAME ~ /decide$/ && /^RESULT/ { dec = field($0, "best_s") / field($0, "n"); n = field($0, "n") }
FILENAME ~ /decide$/ && /^DETAIL/ { vmi = field($0, "vm_instructions") }
END {
    printf "generated %d-rule admission policy over the reference input (%d instructions):\n", rules, code
    printf "  compile (cr_compile in process): best %.2f ms, median %.2f ms (target < 20 ms: %s)\n", best, median, median + 0 < 20 ? "met" : "MISSED"
    printf "  credo check, whole process:      best %.2f ms, peak RSS %.1f MiB (starting /bin/true measured the same way: %.2f ms)\n", check_ns / 1e6, check_rss / 1024, spawn_ns / 1e6
    printf "  per decision: end-to-end %.3f us (%.0f/s), decide-only %.3f us (%.0f/s), %.0f VM instructions\n", e2e * 1e6, 1 / e2e, dec * 1e6, 1 / dec, vmi / n
    printf "  outcomes: approve=%s refer=%s reject=%s error=%s\n", field(tally, "approve"), field(tally, "refer"), field(tally, "reject"), field(tally, "error")
}' "$OUT/result-compile" "$OUT/result-rules-e2e" "$OUT/result-rules-decide"
echo
# The scanner alone, on the generated policy (ASCII names) and on a
# policy with Chinese names: names beyond ASCII are decided by
# lang/names.c, ASCII ones by the scanner's own rule.
$CC $CFLAGS -flto=auto -I. -I"$BUILD/gen" $(pkg-config --cflags $CREDO_PKGS) -o "$OUT/lex" tests/bench/lex.c \
    "$BUILD/libcredo.a" $(pkg-config --libs $CREDO_PKGS) $CREDO_LIBS -lm -pthread &&
    {
        echo "the scanner (lang/lexer.l), tokens only:"
        $PIN "$OUT/lex" "$RULES_POLICY" 50 | sed 's/^/  /'
        $PIN "$OUT/lex" examples/tax_loan_zh.credo 2000 | sed 's/^/  /'
    }
echo
echo "credo serve over loopback (client and server share this machine's cores):"
sh tests/bench/serve_bench.sh "$BUILD" || echo "  (serve bench did not run)"
echo
echo "credo lsp, a scripted client over pipes (best of 5 rounds of 200 requests):"
python3 tests/bench/lsp_bench.py "$BUILD/credo" policies/sme_tax_loan.credo policies/supply_chain_loan.credo \
    "$RULES_POLICY" || echo "  (lsp bench did not run)"
echo
echo "Python (runtime/bindings/python) and Dask:"
sh tests/bench/python_bench.sh "$BUILD" || echo "  (python bench did not run)"
echo
echo "Java (runtime/bindings/java), one thread, against credo run on the same rows:"
sh tests/bench/java_bench.sh "$BUILD" || echo "  (java bench did not run)"
exit 0
