#!/usr/bin/env bash
# Before and after a change, side by side: the quick Summary benchmarks (bench/suite.sh quick) for
# a Release build of BASE and for this tree's build, part by part (BASE's sinks, then this tree's
# sinks, then BASE's PostgreSQL, ...), so that both builds see the same machine at about the same
# time. Prints a before/after table of the Summary lines and keeps it in BENCH_DIR/compare.md.
#
#   scripts/bench-compare.sh BASE BENCH_DIR     (make bench-compare BASE=<rev>)
#
# BASE's sources are exported with `git archive` into BENCH_DIR/base-<sha>/src and built there
# (Release, no tests; ccache is used when it is installed), unless BASE_BIN names a Release
# build of BASE already made. Nothing in the work tree changes. PARTS picks the parts
# (bench/suite.sh's names; all by default).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE="${1:?usage: scripts/bench-compare.sh BASE BENCH_DIR}"
BENCH_DIR="$(cd "$REPO" && mkdir -p "${2:?}" && cd "$2" && pwd)"
PARTS="${PARTS:-sinks postgres kafka freshness memory}"
sha="$(git -C "$REPO" rev-parse --short "$BASE^{commit}")"
base_dir="$BENCH_DIR/base-$sha"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

base_bin="${BASE_BIN:-$base_dir/build/fanout}"
if [ -n "${BASE_BIN:-}" ] && [ ! -x "$BASE_BIN" ]; then
  echo "bench-compare: BASE_BIN=$BASE_BIN is not an executable" >&2
  exit 2
fi
if [ ! -x "$base_bin" ]; then
  rm -rf "$base_dir" && mkdir -p "$base_dir/src"
  git -C "$REPO" archive "$sha" | tar -x -C "$base_dir/src"
  cmake -S "$base_dir/src" -B "$base_dir/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DFANOUT_BUILD_TESTS=OFF "${launcher[@]}" >/dev/null
  cmake --build "$base_dir/build" --target fanout
fi

before="$BENCH_DIR/compare-before.tsv"
after="$BENCH_DIR/compare-after.tsv"
rm -f "$before" "$after"
rc=0
for part in $PARTS; do
  # The scripts of this tree drive both builds: the method stays the same, only fanout differs.
  BENCH_COMMIT="$sha" BENCH_SUMMARY="$before" FANOUT_BIN="$base_bin" "$REPO/bench/suite.sh" quick "$part" || rc=1
  BENCH_SUMMARY="$after" FANOUT_BIN="$BENCH_DIR/fanout" "$REPO/bench/suite.sh" quick "$part" || rc=1
done
{
  echo "make bench-compare BASE=$BASE ($sha), $(date -u '+%F %H:%M') UTC, quick inputs"
  echo
  python3 "$REPO/bench/summary/summary.py" "$after" --before "$before"
} | tee "$BENCH_DIR/compare.md"
exit $rc
