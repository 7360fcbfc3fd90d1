#!/bin/sh
# bench/rego_compile_size.sh - time and peak memory of compiling generated
# large policies with as-tool: N distinct complete rules `p_i := i` (flat),
# a chain `p_i := p_(i-1)` that the compiler refuses past 5000 levels, and
# one rule body of min(N, 9990) variables `x_i := i` (vars).
# Prints one line per policy; measures only, asserts nothing.
# Usage: bench/rego_compile_size.sh [rules...]   (default 25000 50000 100000)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
[ -f "$BUILD/CMakeCache.txt" ] || cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
LOG=$BUILD/rego_compile_size.build.log
cmake --build "$BUILD" --target as-tool -j "$(nproc)" >"$LOG" 2>&1 || { cat "$LOG"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
[ $# -gt 0 ] || set -- 25000 50000 100000
for n in "$@"; do
	awk -v n="$n" 'BEGIN { print "package big"; for (i = 0; i < n; i++) printf "p_%d := %d\n", i, i }' >"$TMP/flat.rego"
	awk -v n="$n" 'BEGIN { print "package big"; print "p_0 := 0"; for (i = 1; i < n; i++) printf "p_%d := p_%d\n", i, i - 1 }' >"$TMP/chain.rego"
	awk -v n="$n" 'BEGIN { print "package big"; print "p_1 if {"; for (i = 0; i < n && i < 9990; i++) printf "x%d := %d\n", i, i; print "}" }' >"$TMP/vars.rego"
	for kind in flat chain vars; do
		/usr/bin/time -f "%e %M" -o "$TMP/t" "$BUILD/as-tool" rego eval -d "$TMP/$kind.rego" data.big.p_1 >"$TMP/out" 2>&1 || true
		verdict=$(grep -q '"errors"' "$TMP/out" && echo refused || echo compiled)
		read -r secs kb <<-T
		$(tail -n 1 "$TMP/t")
		T
		printf 'rego compile %-5s %7d rules (%d KB source): %s s, peak %d MB, %s\n' \
			"$kind" "$n" $(($(wc -c <"$TMP/$kind.rego") / 1024)) "$secs" $((kb / 1024)) "$verdict"
	done
done
