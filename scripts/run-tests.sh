#!/usr/bin/env bash
# `make test`: unit tests, then the real stack up, integration tests, and the stack down again
# (always, also on failure; FANOUT_KEEP_STACK=1 leaves it running for a faster next run).
set -euo pipefail
BUILD_DIR="${1:-build}"
cd "$(dirname "$0")/.."
source stack/env

started=$(date +%s)
if [ "${FANOUT_DOCS_CHECKED:-0}" != "1" ]; then  # `make test` runs it before the build
  echo "== docs say what is there (scripts/check-docs.sh)"
  ./scripts/check-docs.sh
fi
echo "== docs/CONFIG.md is generated from the config spec"
if ! "$BUILD_DIR/fanout" config-docs | diff -u docs/CONFIG.md - ; then
  echo "docs/CONFIG.md is stale: run 'make docs' and commit it" >&2
  exit 1
fi
echo "== unit tests"
(cd "$BUILD_DIR" && ctest -L unit --output-on-failure)
echo "== the Debian package of this build: dpkg-deb, dpkg -i, fanout --version, systemd-analyze verify, dpkg -r"
(cd "$BUILD_DIR" && ctest -L package --output-on-failure)

if [ "${FANOUT_KEEP_STACK:-0}" != "1" ]; then
  trap 'echo "== stack down"; ./stack/stack.sh down' EXIT
fi
echo "== stack up"
stack_started=$(date +%s)
./stack/stack.sh up
echo "stack up took $(( $(date +%s) - stack_started )) s"

echo "== integration tests (real PostgreSQL, Kafka, Kafka Connect + Debezium)"
(cd "$BUILD_DIR" && ctest -L integration --output-on-failure)
echo "== proof, short form (exactly once under chaos, every sink kind; PROOF_SHORT=0 for the full one)"
BUILD_DIR="$BUILD_DIR" PROOF_SHORT="${PROOF_SHORT:-1}" ./scripts/proof.sh
count() { (cd "$BUILD_DIR" && ctest -N -L "$1" | sed -n 's/^Total Tests: //p'); }
total=$(( $(count unit) + $(count package) + $(count integration) + 1 ))  # + the proof
echo "== make test: all passed in $(( $(date +%s) - started )) s"
# A failure above exits early (set -e), so reaching this line means every test passed.
echo "make test: $total passed, 0 failed"
