#!/bin/sh
# bench/dcap.sh - per-quote Intel DCAP (SGX/TDX) verification time with
# warm caches next to the ECDSA P-256 floor measured in the same run.
# Builds the verifier library in $BUILD (default build/) and
# bench/dcap_bench.c next to it.  Usage: bench/dcap.sh [seconds-per-measurement]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
[ -f "$BUILD/CMakeCache.txt" ] || cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
LOG=$BUILD/dcap_bench.build.log
cmake --build "$BUILD" --target as_verifier -j "$(nproc)" >"$LOG" 2>&1 || { cat "$LOG"; exit 1; }
${CC:-cc} -std=c17 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$ROOT/src" \
	"$ROOT/bench/dcap_bench.c" -o "$BUILD/dcap_bench" \
	"$BUILD/libas_verifier.a" "$BUILD/libas_fetch.a" "$BUILD/libas_value.a" "$BUILD/libas_base.a" \
	-lcrypto -lcurl -lcbor -ltss2-mu -lgmp -lm -lpthread
AS_SHARED_DIR=${AS_SHARED_DIR:-$ROOT/../shared} exec "$BUILD/dcap_bench" "$@"
