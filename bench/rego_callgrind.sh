#!/bin/sh
# bench/rego_callgrind.sh - instructions per evaluation (load-independent)
# of the bench/rego.sh workloads: builds rego_bench through bench/rego.sh,
# then runs each workload under callgrind counting only rego_eval_path.
# Usage: bench/rego_callgrind.sh [calls] (default 200); profiles are left
# in $BUILD/callgrind.<workload>.out for callgrind_annotate.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
CALLS=${1:-200}
REGO_BENCH_CALLS=0 BUILD=$BUILD "$ROOT/bench/rego.sh" 0 default >/dev/null
for w in default shared ear builtins; do
	out=$BUILD/callgrind.$w.out
	REGO_BENCH_CALLS=$CALLS AS_SOURCE_DIR=$ROOT AS_SHARED_DIR=${AS_SHARED_DIR:-$ROOT/../shared} \
		valgrind --tool=callgrind --toggle-collect=rego_eval_path \
		--callgrind-out-file="$out" "$BUILD/rego_bench" 0 "$w" >/dev/null 2>&1
	total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
	calls=$((CALLS + 50)) # run() checks the answer and warms up with 50 calls
	[ "$w" = shared ] && calls=$((calls * 2)) # allow and deny inputs
	echo "rego: $w: $((total / calls)) instructions/call ($calls calls)"
done
