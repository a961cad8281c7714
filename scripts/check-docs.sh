#!/usr/bin/env bash
# Docs tell the truth, and the repository stands alone. Run first by `make test` (no build
# needed, about a second); fails with file:line for each finding:
#   1. a status claim that something is missing (the phrases below) in the user-facing docs:
#      every Markdown file and examples/. What fanout lacks belongs in the open issues; a
#      sentence saying a sink "is not built" outlives the commit that builds it.
#   2. a citation of a file that is not in the repository (the design notes it grew from),
#      anywhere in the tracked sources and docs;
#   3. a relative Markdown link whose target does not exist.
# Usage: scripts/check-docs.sh [ROOT]   (default: the repository this script is in)
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"

# Phrases of a stale status, as extended regular expressions, matched case-insensitively.
# Add the wording of any stale sentence you remove here, so that it cannot come back.
MISSING_PATTERNS=(
  'not (yet )?(built|implemented)( yet)?([^a-z]|$)'
  'unimplemented'
  'coming soon'
  '(^|[^a-z])(TODO|TBD|FIXME)([^a-z]|$)'
  '(evaluated|validated) and counted only'
  'takes? effect (only )?when (it is|they are)( built)?'
)
# Files outside the repository that comments and docs used to cite.
OUTSIDE_PATTERNS=(
  'DESIGN\.md'
  '(^|[^a-z_/])reference/[a-z-]+\.md'
  '\.\./shared/'
)

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t all_files < <(git ls-files --cached --others --exclude-standard | grep -v -E '^(build[^/]*)/')
else
  mapfile -t all_files < <(find . -type f -not -path './build*' -not -path './.git/*' | sed 's|^\./||')
fi
docs=()
sources=()
for f in "${all_files[@]}"; do
  [ -f "$f" ] || continue  # deleted in the work tree
  case "$f" in
    scripts/check-docs.sh) continue ;;  # holds the patterns themselves
    *.md | examples/*) docs+=("$f"); sources+=("$f") ;;
    *.h | *.cc | *.cmake | CMakeLists.txt | */CMakeLists.txt | Makefile | *.sh | *.py | *.yaml | *.yml)
      sources+=("$f") ;;
  esac
done

failed=0
report() {  # report "what" < grep -n output
  local what="$1" line
  while IFS= read -r line; do
    echo "check-docs: $line" >&2
    echo "  ^ $what" >&2
    failed=1
  done
}

for pattern in "${MISSING_PATTERNS[@]}"; do
  report "says something is missing; say what is there (plans belong in the issues)" \
    < <(grep -n -i -E -H -- "$pattern" "${docs[@]}" || true)
done
for pattern in "${OUTSIDE_PATTERNS[@]}"; do
  report "cites a file outside the repository; cite docs/ARCHITECTURE.md or a README here" \
    < <(grep -n -E -H -- "$pattern" "${sources[@]}" || true)
done

# Relative Markdown links: [text](path) or [text](path#anchor), resolved against the file.
for f in "${docs[@]}"; do
  case "$f" in *.md) ;; *) continue ;; esac
  dir=$(dirname "$f")
  while IFS=: read -r line target; do
    path="${target%%#*}"
    [ -z "$path" ] && continue  # an anchor in the same file
    case "$path" in http://* | https://* | mailto:*) continue ;; esac
    if [ ! -e "$dir/$path" ]; then
      echo "check-docs: $f:$line: link to $target" >&2
      echo "  ^ no such file in the repository" >&2
      failed=1
    fi
  done < <(grep -n -o -E '\]\([^) ]+\)' "$f" | sed -E 's/^([0-9]+):\]\((.*)\)$/\1:\2/' || true)
done

if [ "$failed" -ne 0 ]; then
  echo "check-docs: FAILED (scripts/check-docs.sh lists what it looks for)" >&2
  exit 1
fi
echo "check-docs: ${#docs[@]} docs and ${#sources[@]} sources checked"
