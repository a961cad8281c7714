#!/usr/bin/env bash
# Runs every fuzz target (or those named) one after the other, each for FUZZ_SECONDS, on its
# seeds plus a scratch corpus that persists in the build directory; fails when any target finds
# a crash, a sanitizer report, a hang (-timeout) or runs out of memory. What `make fuzz` runs
# after building; see README.md in this folder.
#
#   FUZZ_DIR=build-fuzz FUZZ_SECONDS=60 tests/fuzz/run.sh [target...]
#
# Per target: the corpus grows in $FUZZ_DIR/corpus/<target>, findings land in
# $FUZZ_DIR/artifacts/<target>/ (crash-*, timeout-*, oom-*), the log in $FUZZ_DIR/logs/<target>.log.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
dir="${FUZZ_DIR:-build-fuzz}"
seconds="${FUZZ_SECONDS:-60}"
all=(decoder template predicate regex config resp es_bulk http_response)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

max_len() {
  case "$1" in
    decoder) echo 20000 ;;
    config) echo 16384 ;;
    es_bulk | http_response) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

"$here/make_seeds.py" "$dir/seeds/decoder" >/dev/null
failed=()
for target in "${targets[@]}"; do
  binary="$dir/fanout_${target}_fuzz"
  if [ ! -x "$binary" ]; then
    echo "fuzz: no $binary (build first)" >&2
    failed+=("$target")
    continue
  fi
  seeds="$here/seeds/$target"
  [ "$target" = decoder ] && seeds="$dir/seeds/decoder"
  corpus="$dir/corpus/$target"
  mkdir -p "$corpus" "$dir/artifacts/$target" "$dir/logs"
  log="$dir/logs/$target.log"
  echo "fuzz: $target for ${seconds}s (log: $log)"
  "$binary" "$corpus" "$seeds" -max_total_time="$seconds" -max_len="$(max_len "$target")" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/$target/" >"$log" 2>&1
  status=$?
  grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)' "$log" | tail -1
  if [ $status -ne 0 ]; then
    echo "fuzz: $target FAILED (exit $status):" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 >&2
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} target(s), no findings"
