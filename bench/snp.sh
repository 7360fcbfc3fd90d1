#!/bin/sh
# bench/snp.sh - per-report SEV-SNP verification time with warm caches next
# to the ECDSA P-384 (and RSA-4096 PSS) floor measured in the same run.
# Builds the verifier library in $BUILD (default build/) and
# bench/snp_bench.c next to it.  Usage: bench/snp.sh [seconds-per-measurement]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
[ -f "$BUILD/CMakeCache.txt" ] || cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
LOG=$BUILD/snp_bench.build.log
cmake --build "$BUILD" --target as_verifier -j "$(nproc)" >"$LOG" 2>&1 || { cat "$LOG"; exit 1; }
${CC:-cc} -std=c17 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$ROOT/src" \
	"$ROOT/bench/snp_bench.c" -o "$BUILD/snp_bench" \
	"$BUILD/libas_verifier.a" "$BUILD/libas_fetch.a" "$BUILD/libas_value.a" "$BUILD/libas_base.a" \
	-lcrypto -lcurl -lcbor -ltss2-mu -lgmp -lm -lpthread
AS_SHARED_DIR=${AS_SHARED_DIR:-$ROOT/../shared} exec "$BUILD/snp_bench" "$@"
