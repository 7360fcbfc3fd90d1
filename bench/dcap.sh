#!/bin/sh
# bench/dcap.sh - per-quote Intel DCAP (SGX/TDX) verification time with
# warm caches next to the ECDSA P-256 floor measured in the same run.
# Builds the verifier library in $BUILD (default build/) and
# bench/dcap_bench.c next to it.
#
# Usage: bench/dcap.sh [seconds-per-measurement]
#        bench/dcap.sh --callgrind [N]   instructions per warm quote / the
#            instructions of the 2 ECDSA verifications, counted by callgrind
#            in the same process (load-independent); N quotes per case (200)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
[ -f "$BUILD/CMakeCache.txt" ] || cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
LOG=$BUILD/dcap_bench.build.log
cmake --build "$BUILD" --target as_verifier -j "$(nproc)" >"$LOG" 2>&1 || { cat "$LOG"; exit 1; }
${CC:-cc} -std=c17 -O2 -g -D_GNU_SOURCE -Wall -Wextra -Werror -I"$ROOT/src" \
	"$ROOT/bench/dcap_bench.c" -o "$BUILD/dcap_bench" \
	"$BUILD/libas_verifier.a" "$BUILD/libas_fetch.a" "$BUILD/libas_value.a" "$BUILD/libas_base.a" \
	-lcrypto -lcurl -lcbor -ltss2-mu -lgmp -lm -lpthread
export AS_SHARED_DIR=${AS_SHARED_DIR:-$ROOT/../shared}
[ "${1:-}" = --callgrind ] || exec "$BUILD/dcap_bench" "$@"

command -v valgrind >/dev/null || { echo "dcap bench: valgrind not installed"; exit 77; }
N=${2:-200}
for c in 0 1 2; do
	OUT=$BUILD/dcap_bench.callgrind.$c
	valgrind --tool=callgrind --callgrind-out-file="$OUT" "$BUILD/dcap_bench" --count "$N" "$c" \
		>/dev/null 2>&1 || { echo "dcap bench: callgrind run failed"; exit 1; }
	callgrind_annotate --inclusive=yes --threshold=100 "$OUT" 2>/dev/null | awk -v n="$N" -v c="$c" '
		function count(s) { gsub(/,/, "", s); return s + 0 }
		/bench_floor_verifies/ && !f { f = count($1) }
		/bench_quote_verifies/ && !q { q = count($1) }
		END {
			name[0] = "tdx v4 (tdx-v4-phala)"; name[1] = "tdx v5 (tdx-v5-gotdx)";
			name[2] = "sgx v3 (sgx-v3-phala)";
			if (!f || !q) { print "dcap bench: no counts"; exit 1 }
			printf "dcap: %-24s %.0f instructions/quote, floor %.0f (2 ECDSA verifications): %.2fx\n",
				name[c], q / n, 2 * f / n, (q / n) / (2 * f / n)
		}'
done
