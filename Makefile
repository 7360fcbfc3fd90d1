# restful-as - the commands people type.  The build itself is CMake
# (CMakeLists.txt); this file sets up the machine and drives it.
#
#   make deps         install every Debian package the build, tests,
#                     benchmarks and fuzzers need (the one list: DEB_PACKAGES)
#   make              build bin/restful-as and bin/as-tool (build/)
#   make run          deps + build + start on 127.0.0.1:8080 (work_dir .work/)
#   make test         deps + build + sanitizer build + every test + fuzz smoke
#   make conformance  OPA conformance suite over ../shared/rego/opa-conformance
#   make bench        benchmarks under bench/
#   make fuzz         build the libFuzzer targets and run each for FUZZ_SECONDS

DEB_PACKAGES := build-essential cmake pkg-config clang libclang-rt-14-dev \
	libssl-dev libmicrohttpd-dev libcurl4-openssl-dev libcbor-dev libtss2-dev \
	libpcre2-dev libpq-dev libgmp-dev libyaml-dev libcriterion-dev \
	postgresql haproxy curl openssl ca-certificates \
	python3 python3-jwt python3-jwcrypto python3-yaml python3-cryptography valgrind

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 10
SOCKET ?= 127.0.0.1:8080
WORK_DIR ?= $(CURDIR)/.work

.PHONY: all deps build build-asan run test test-release test-asan fuzz conformance bench clean

all: build

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: all Debian packages present"; fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DAS_SANITIZE=ON

build-asan: $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

run: deps build
	mkdir -p $(WORK_DIR)
	AS_WORK_DIR=$(WORK_DIR) RUST_LOG=$${RUST_LOG:-info} exec $(BUILD)/restful-as --socket $(SOCKET)

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite: release build, then the same tests under ASan+UBSan,
# then a short fuzz run of every target.
test: deps
	$(MAKE) test-release
	$(MAKE) test-asan
	$(MAKE) fuzz

$(FUZZ_BUILD)/CMakeCache.txt:
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DAS_FUZZ=ON -DAS_TESTS=OFF

fuzz: $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@set -e; for f in $(FUZZ_BUILD)/fuzz_*; do \
		[ -x "$$f" ] || continue; n=$$(basename $$f); \
		mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
		seeds=""; [ -d fuzz/seeds/$$n ] && seeds=fuzz/seeds/$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -print_final_stats=0 \
			$(FUZZ_BUILD)/corpus/$$n $$seeds >$(FUZZ_BUILD)/$$n.log 2>&1 || \
			{ tail -50 $(FUZZ_BUILD)/$$n.log; echo "fuzz: $$n FAILED"; exit 1; }; \
		echo "fuzz: $$n ok"; \
	done

conformance: build
	/usr/bin/python3 tests/conformance/run.py --as-tool $(BUILD)/as-tool \
		--suite ../shared/rego/opa-conformance --out $(BUILD)/conformance.json

bench: build
	@for b in bench/*.sh; do [ -x "$$b" ] && BUILD=$(BUILD) $$b; done; true

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
