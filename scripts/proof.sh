#!/usr/bin/env bash
# `make proof`: exactly once under chaos, every sink kind at once, once per source: PostgreSQL, then
# MariaDB (tests/proof/README.md). Every pass runs even when an earlier one failed; the exit status
# is non-zero if any failed.
#   scripts/proof.sh [--short]      (PROOF_SHORT=1 likewise: ~2 minutes per source instead of ~6.5)
#   PROOF_SOURCES="mariadb"         only these sources (default "postgres mariadb")
# The stack is started once if it is not up, and stopped at the end (FANOUT_KEEP_STACK=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/.."
source stack/env
SOURCES="${PROOF_SOURCES:-postgres mariadb}"

if [ "${FANOUT_KEEP_STACK:-0}" != 1 ] && ! stack/stack.sh status >/dev/null 2>&1; then
  echo "proof: starting the stack (stopped again at the end; FANOUT_KEEP_STACK=1 keeps it)"
  trap 'stack/stack.sh down >/dev/null 2>&1 || true' EXIT
  stack/stack.sh up
fi
export FANOUT_KEEP_STACK=1   # the passes share the stack

results=() rc=0
for source in $SOURCES; do
  started=$(date +%s)
  echo "proof: ==== source $source"
  if PROOF_SOURCE="$source" tests/proof/run.sh "$@"; then
    results+=("$source: PASSED in $(( $(date +%s) - started )) s")
  else
    results+=("$source: FAILED (exit $?) after $(( $(date +%s) - started )) s")
    rc=1
  fi
done
echo "proof: ==== summary"
printf 'proof:   %s\n' "${results[@]}"
exit $rc
