#!/bin/sh
# make bench's Java row: Policy.decide from one thread (tests/bench/JavaBench.java)
# against credo run over the same rows: BUILD/bench/population-BENCH_N.jsonl
# (generated as make bench generates it), else the 5,000 reference
# applicants.  credo run's time is the whole process (reading the file,
# compiling the policy, writing the lines); Java's is the calls alone, on
# lines already in memory, the decision lines returned as Strings.
# Both pinned to one core when taskset can, in BENCH_ROUNDS (2) rounds;
# credo run's row is the fastest of BENCH_REPS (3) whole runs to /dev/null
# a round, Java's the best pass of at least BENCH_REPS and one second, after
# a warm-up pass whose decisions must equal credo run's; each row keeps
# its fastest round.  Reports times, never fails on one.
# Usage: sh tests/bench/java_bench.sh BUILD
# $PIN is split into words on purpose.
# shellcheck disable=SC2086
set -u
BUILD=${1:-build}
N=${BENCH_N:-100000}
REPS=${BENCH_REPS:-3}
ROUNDS=${BENCH_ROUNDS:-2}
POLICY=policies/sme_tax_loan.credo
ASOF=2026-12-01
OUT=$BUILD/bench
mkdir -p "$OUT" || exit 1
for tool in java javac; do
    command -v $tool >/dev/null 2>&1 || { echo "  no $tool (apt-get install openjdk-17-jdk-headless)"; exit 1; }
done
make -s --no-print-directory BUILD="$BUILD" java >"$OUT/java-make.log" 2>&1 || { tail -20 "$OUT/java-make.log"; exit 1; }
rm -rf "$OUT/java" && mkdir -p "$OUT/java"
javac -cp "$BUILD/java/credo.jar" -d "$OUT/java" tests/bench/JavaBench.java || exit 1
POP=$OUT/population-$N.jsonl
if [ ! -s "$POP" ]; then   # as run.sh makes it; the reference applicants if it cannot be
    { ${CC:-cc} -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -o "$OUT/gen" tests/bench/gen.c &&
        "$OUT/gen" "$N" tests/reference/applicants.jsonl >"$POP.tmp" && mv "$POP.tmp" "$POP"; } ||
        POP=tests/reference/applicants.jsonl
fi
rows=$(wc -l <"$POP")
PIN=
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then PIN="taskset -c 0"; fi

"$BUILD/credo" run --as-of $ASOF $POLICY "$POP" >"$OUT/java-expected.jsonl"
case $? in 0 | 3) ;; *) echo "  credo run failed"; exit 1 ;; esac
# in rounds, credo run then Java, so that load from elsewhere on the host
# slows both alike; each row keeps its fastest round
best=
java_best=$OUT/java-bench.best
rm -f "$java_best" "$OUT/java-run.cpu"
round=1
while [ $round -le "$ROUNDS" ]; do
    i=0
    while [ $i -lt "$REPS" ]; do
        t0=$(date +%s%N)
        if [ -x /usr/bin/time ]; then
            /usr/bin/time -f "%U %S" -a -o "$OUT/java-run.cpu" $PIN "$BUILD/credo" run --as-of $ASOF $POLICY "$POP" >/dev/null
        else
            $PIN "$BUILD/credo" run --as-of $ASOF $POLICY "$POP" >/dev/null
        fi
        t1=$(date +%s%N)
        d=$((t1 - t0))
        if [ -z "$best" ] || [ $d -lt "$best" ]; then best=$d; fi
        i=$((i + 1))
    done
    $PIN java -Dcredo.jni.library="$BUILD/java/libcredo_jni.so" -cp "$BUILD/java/credo.jar:$OUT/java" JavaBench \
        $POLICY $ASOF "$POP" "$OUT/java-expected.jsonl" "$REPS" >"$OUT/java-bench.out" 2>&1 ||
        { cat "$OUT/java-bench.out"; echo "  the Java bench failed (or its decisions differ from credo run's)"; exit 1; }
    cat "$OUT/java-bench.out" >>"$java_best"
    round=$((round + 1))
done
# credo run's least CPU time (user + system) of its runs, when /usr/bin/time measured it
run_cpu=$(awk '{ s = $1 + $2; if (NR == 1 || s < m) m = s } END { if (NR) print m }' "$OUT/java-run.cpu" 2>/dev/null)
awk -v n="$rows" -v rounds="$ROUNDS" -v run_ns="$best" -v run_cpu="${run_cpu:-}" -v src="$POP" -v pin="${PIN:-not pinned}" '
function field(line, k,    i, m, kv) {
    m = split(line, kv, " ")
    for (i = 1; i <= m; i++)
        if (index(kv[i], k "=") == 1) return substr(kv[i], length(k) + 2)
    return ""
}
/^CHECK/ { same = field($0, "same") }
/^RESULT/ {
    m = field($0, "mode"); v = field($0, "best_s"); c = field($0, "best_cpu_s")
    if (!(m in t) || v + 0 < t[m] + 0) t[m] = v
    if (!(m in cpu) || c + 0 < cpu[m] + 0) cpu[m] = c
}
END {
    run = n / (run_ns / 1e9)
    printf "  %d rows (%s), %s, each row its fastest of %d rounds; Java decisions identical to credo run: %d of %d\n", n, src, pin, rounds, same, n
    printf "  %-44s %12s %12s %10s\n", "", "decisions/s", "us/decision", "x credo run"
    printf "  %-44s %12.0f %12.3f %10.2f\n", "credo run (whole process, to /dev/null)", run, 1e6 / run, 1
    d = n / t["decide"]; ty = n / t["typed"]
    printf "  %-44s %12.0f %12.3f %10.2f\n", "Java Policy.decide, one thread", d, 1e6 / d, d / run
    printf "  %-44s %12.0f %12.3f %10.2f\n", "Java Policy.decideTyped, one thread", ty, 1e6 / ty, ty / run
    printf "  Java decide at %.0f%% of credo run'"'"'s decisions/s (target >= 50%%: %s)\n", 100 * d / run, (d / run >= 0.5) ? "met" : "MISSED"
    if (run_cpu != "" && run_cpu > 0)
        printf "  in CPU time (robust to other load): credo run %.3f us/decision, Java decide %.3f (%.0f%%), decideTyped %.3f (%.0f%%)\n", \
            run_cpu * 1e6 / n, cpu["decide"] * 1e6 / n, 100 * run_cpu / cpu["decide"], cpu["typed"] * 1e6 / n, 100 * run_cpu / cpu["typed"]
}' "$java_best"
