#!/bin/sh
# bench/token.sh - tokens signed per second (RS384 RSA-2048, ES256, ES384,
# EAR) against the raw OpenSSL signature rate measured in the same run.
# Builds the token library in $BUILD (default build/) and bench/token_bench.c
# next to it.  Usage: bench/token.sh [seconds-per-measurement] [threads]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
[ -f "$BUILD/CMakeCache.txt" ] || cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
LOG=$BUILD/token_bench.build.log
cmake --build "$BUILD" --target as_token -j "$(nproc)" >"$LOG" 2>&1 || { cat "$LOG"; exit 1; }
${CC:-cc} -std=c17 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$ROOT/src" \
	"$ROOT/bench/token_bench.c" -o "$BUILD/token_bench" \
	"$BUILD/libas_token.a" "$BUILD/libas_value.a" "$BUILD/libas_base.a" \
	-lcrypto -lgmp -lm -lpthread
exec "$BUILD/token_bench" "$@"
