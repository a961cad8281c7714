# shellcheck shell=bash
# Rows for the `## Summary` table of docs/BENCHMARKS.md. A bench script sources this file and
# calls summary_put once per measured value; bench/summary/summary.py turns the rows into the
# table (ratios, targets) and the plot. Without BENCH_SUMMARY (a TSV path; `make bench` and
# `make bench-quick` set it) summary_put does nothing, so the scripts run alone as before.
#
#   summary_put KEY VALUE INPUTS COMMAND
#     KEY      one of the keys bench/summary/summary.py knows (e.g. redis.fanout.eps)
#     VALUE    a number (the median of the script's reps), or NA when the run failed
#     INPUTS   what was measured, in words ("N=500000 updates ~690 B, 1 partition, 3 reps")
#     COMMAND  the command line that reproduces it, knobs included
# Each row also records the commit of the tree (with -dirty when it has uncommitted changes), or
# BENCH_COMMIT when the fanout measured was built from another one (scripts/bench-compare.sh),
# and the UTC time. A later row with the same key replaces an earlier one.

summary_put() {
  [ -n "${BENCH_SUMMARY:-}" ] || return 0
  local key="$1" value="$2" inputs="$3" command="$4" repo commit
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  commit="${BENCH_COMMIT:-}"
  if [ -z "$commit" ]; then
    commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit-dirty"; fi
  fi
  mkdir -p "$(dirname "$BENCH_SUMMARY")"
  # One row per line: tabs and newlines in the texts become spaces.
  inputs="${inputs//$'\t'/ }" command="${command//$'\t'/ }"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$value" "${inputs//$'\n'/ }" "${command//$'\n'/ }" \
    "$commit" "$(date -u '+%Y-%m-%d %H:%M')" >>"$BENCH_SUMMARY"
}
