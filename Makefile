# fanout — the two commands a user needs are `make demo` and `make test`; the rest are steps.
SHELL := /bin/bash
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
TSAN_DIR ?= build-tsan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps check-docs build package bench bench-build bench-quick bench-compare bench-sinks bench-postgres bench-clickhouse bench-e2e fuzz docs unit integration test demo asan tsan proof stack-up stack-down stack-status format format-check clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DFANOUT_WERROR=ON $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# docs/CONFIG.md is generated from the config spec (config/config_spec.cc and each sink's
# sinks/<type>/spec.cc).
docs: build
	$(BUILD_DIR)/fanout config-docs > docs/CONFIG.md

# Unit tests: no servers needed.
unit: build
	cd $(BUILD_DIR) && ctest -L unit --output-on-failure

# Integration tests: against the real servers of stack/ (started by `make test`).
integration: build
	source stack/env && cd $(BUILD_DIR) && ctest -L integration --output-on-failure

# Docs that claim something is missing, cite files outside the repo or link nowhere (no build).
check-docs:
	@./scripts/check-docs.sh

# Everything, against real servers: check the docs, install, build, start the stack, test, stop
# the stack.
test: check-docs build
	@FANOUT_DOCS_CHECKED=1 ./scripts/run-tests.sh $(BUILD_DIR)

# SOURCE=mariadb: the same demo with MariaDB as the source (examples/inventory-mariadb*).
SOURCE ?= postgres
demo: build
	@./scripts/demo.sh $(BUILD_DIR) $(SOURCE)

# The Debian package (CPack DEB; cmake/Packaging.cmake, deploy/README.md) from a RelWithDebInfo
# build dir of its own: $(PACKAGE_DIR)/fanout_<version>_<arch>.deb and its -dbgsym .ddeb.
PACKAGE_DIR ?= build-package
package: deps
	JOBS=$(JOBS) CMAKE_FLAGS="$(CMAKE_FLAGS)" ./scripts/package.sh $(PACKAGE_DIR)

# Benchmarks (Release build in $(BENCH_DIR)); results with their command in docs/BENCHMARKS.md.
# `make bench`: the decode/route micro-benchmarks (Google Benchmark, one core), then every
# side-by-side benchmark behind the Summary table (bench/suite.sh full: sinks, PostgreSQL, Kafka,
# freshness, memory; 36 minutes with the build on 2026-12-06), then the ClickHouse one; it
# rewrites the `## Summary` table of docs/BENCHMARKS.md and its plot docs/benchmarks-summary.png
# from this run's rows. `make bench-quick`: the same table on smaller inputs (one rep,
# N = 100 000), printed and kept in $(BENCH_DIR)/summary-quick.md, for before and after a
# change; the docs are left alone. `make bench-compare BASE=<rev>`: bench-quick for <rev>'s
# build and this tree's, part by part, and a before/after table (BASE_BIN=<a Release build of
# <rev>> skips building it; PARTS="sinks kafka" picks parts).
BENCH_DIR ?= build-bench
BENCH_ROWS ?= $(BENCH_DIR)/summary.tsv
BASE ?= HEAD
BASE_BIN ?=
bench-build: deps
	cmake -S . -B $(BENCH_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DFANOUT_BUILD_BENCH=ON -DFANOUT_BUILD_TESTS=OFF
	cmake --build $(BENCH_DIR) -j $(JOBS) --target fanout fanout_bench

# A part that fails leaves its lines "not measured" and makes the target fail at the end; the
# other parts, the table and ClickHouse still run.
bench: bench-build
	taskset -c 0 $(BENCH_DIR)/bench/fanout_bench --benchmark_min_time=1 $(BENCH_ARGS)
	rm -f $(BENCH_ROWS)
	BENCH_SUMMARY=$(abspath $(BENCH_ROWS)) FANOUT_BIN=$(abspath $(BENCH_DIR))/fanout bench/suite.sh full; \
	  rc=$$?; python3 bench/summary/summary.py $(BENCH_ROWS) --doc docs/BENCHMARKS.md \
	  --plot docs/benchmarks-summary.png || rc=1; \
	  $(MAKE) bench-clickhouse || rc=1; exit $$rc

bench-quick: bench-build
	rm -f $(BENCH_DIR)/summary-quick.tsv
	BENCH_SUMMARY=$(abspath $(BENCH_DIR))/summary-quick.tsv FANOUT_BIN=$(abspath $(BENCH_DIR))/fanout \
	  bench/suite.sh quick; rc=$$?; python3 bench/summary/summary.py $(BENCH_DIR)/summary-quick.tsv \
	  --heading "make bench-quick, $$(date -u '+%F %H:%M') UTC" > $(BENCH_DIR)/summary-quick.md || exit 1; \
	  cat $(BENCH_DIR)/summary-quick.md; exit $$rc

bench-compare: bench-build
	BASE_BIN=$(BASE_BIN) ./scripts/bench-compare.sh $(BASE) $(BENCH_DIR)

# Redis invalidation and OpenSearch upsert routes beside the servers' ceilings (redis-benchmark,
# raw _bulk) and a Camel peer, on the stack's servers (bounded; knobs in bench/sinks/run.sh).
bench-sinks: deps
	cmake -S . -B $(BENCH_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DFANOUT_BUILD_BENCH=ON -DFANOUT_BUILD_TESTS=OFF
	cmake --build $(BENCH_DIR) -j $(JOBS) --target fanout
	FANOUT_BIN=$(BENCH_DIR)/fanout bench/sinks/run.sh $(BENCH_SINKS)

# PostgreSQL replica route beside a pgbench pipelined-upsert ceiling and a Kafka Connect JDBC sink
# on the same topic and database (bounded; knobs in bench/postgres/run.sh).
bench-postgres: deps
	cmake -S . -B $(BENCH_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DFANOUT_BUILD_BENCH=ON -DFANOUT_BUILD_TESTS=OFF
	cmake --build $(BENCH_DIR) -j $(JOBS) --target fanout
	FANOUT_BIN=$(BENCH_DIR)/fanout bench/postgres/run.sh

# ClickHouse route beside a raw INSERT ... FORMAT JSONEachRow of the same rows, same batches and
# parallelism, on the stack's ClickHouse (bounded; knobs in bench/clickhouse/run.sh).
bench-clickhouse: deps
	cmake -S . -B $(BENCH_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DFANOUT_BUILD_BENCH=ON -DFANOUT_BUILD_TESTS=OFF
	cmake --build $(BENCH_DIR) -j $(JOBS) --target fanout
	FANOUT_BIN=$(BENCH_DIR)/fanout bench/clickhouse/run.sh

# Kafka -> Kafka routed throughput and latency, fanout vs a Kafka Streams exactly_once_v2 peer,
# on the stack's Kafka (bounded; see bench/e2e/run.sh and docs/BENCHMARKS.md).
bench-e2e: deps
	bench/e2e/run.sh

# libFuzzer (clang, ASan+UBSan) on the decoder, templates, predicates, regexes, the config
# loader, and the Redis, OpenSearch and HTTP response handling: each target in turn for
# FUZZ_SECONDS (default 60) on its seeds plus a corpus kept in FUZZ_DIR; fails on any finding.
# FUZZ_TARGETS="regex config" runs only those (tests/fuzz/README.md).
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps
	CC=clang CXX=clang++ cmake -S tests/fuzz -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	FUZZ_DIR=$(FUZZ_DIR) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_TARGETS)

# Debug build with AddressSanitizer + UndefinedBehaviorSanitizer, running the unit tests.
asan: deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFANOUT_SANITIZE=ON -DFANOUT_WERROR=ON
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ctest -L unit --output-on-failure

# Clang build with ThreadSanitizer and -Werror=thread-safety (the GUARDED_BY annotations of
# processor/core/thread_annotations.h), running the unit tests; tests/tsan.supp names the
# third-party frames TSan cannot see into.
# Not run: the tests that start librdkafka's own threads (its mock cluster). librdkafka creates
# them with C11 thrd_create, which the TSan runtime of clang 14 does not intercept, so
# they crash in TSan's first interceptor; a suppression cannot help.
TSAN_EXCLUDE ?= ^((TransactionsMockTest|ConsumerWakeTest|ConsumerPauseTest)\.|FetchNudgerTest\.ASmallPrefetchQueue)
tsan: deps
	CC=clang CXX=clang++ cmake -S . -B $(TSAN_DIR) -G Ninja -DFANOUT_TSAN=ON
	cmake --build $(TSAN_DIR) -j $(JOBS) --target fanout fanout_unit_tests fanout_cli_tests
	cd $(TSAN_DIR) && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  ctest -L unit -E '$(TSAN_EXCLUDE)' --output-on-failure

# Exactly once under chaos: a seeded workload through the real Debezium into every sink kind at
# once, fanout SIGKILLed (groups of 1 and 3), sinks stopped, Connect killed, then every sink
# compared with the source (tests/proof/README.md, docs/PROOF.md). One pass per source: PostgreSQL,
# then MariaDB (PROOF_SOURCES="postgres mariadb"). PROOF_SHORT=1: ~2-2.5 minutes per source.
proof: build
	BUILD_DIR=$(BUILD_DIR) ./scripts/proof.sh

stack-up: deps
	@./stack/stack.sh up

stack-down:
	@./stack/stack.sh down

stack-status:
	@./stack/stack.sh status

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

format-check:
	@git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) $(BENCH_DIR) $(FUZZ_DIR) $(PACKAGE_DIR)
