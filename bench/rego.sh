#!/bin/sh
# bench/rego.sh - Rego engine: median time and allocations per evaluation of
# the default policy (100 claims, 100 reference values) and of the shared
# workload (shared/rego/bench, 52 rules over 200 claims; regorus 0.9.1:
# 0.83 ms), the EAR default_cpu policy over TDX claims and a built-in
# heavy policy (bench/rego/builtins.rego).  Builds the engine in $BUILD (default build/) and
# bench/rego_bench.c next to it.  Usage: bench/rego.sh [seconds-per-workload]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
[ -f "$BUILD/CMakeCache.txt" ] || cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
LOG=$BUILD/rego_bench.build.log
cmake --build "$BUILD" --target as_rego as_policy -j "$(nproc)" >"$LOG" 2>&1 || { cat "$LOG"; exit 1; }
${CC:-cc} -std=c17 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$ROOT/src" \
	"$ROOT/bench/rego_bench.c" -o "$BUILD/rego_bench" \
	-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc \
	"$BUILD/libas_policy.a" "$BUILD/libas_rego.a" "$BUILD/libas_value.a" "$BUILD/libas_base.a" \
	-lpcre2-8 -lyaml -lcurl -lcrypto -lgmp -lm -lpthread
AS_SOURCE_DIR=$ROOT AS_SHARED_DIR=${AS_SHARED_DIR:-$ROOT/../shared} exec "$BUILD/rego_bench" "$@"
