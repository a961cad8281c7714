#!/usr/bin/env bash
# `make proof`: exactly once under chaos, every sink kind at once. See tests/proof/README.md.
#   scripts/proof.sh [--short]      (PROOF_SHORT=1 likewise: ~2 minutes instead of ~8)
exec "$(dirname "$0")/../tests/proof/run.sh" "$@"
