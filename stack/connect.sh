#!/usr/bin/env bash
# Kafka Connect helper for the fanout stack (REST at $FANOUT_CONNECT_URL, see stack/env).
#
#   stack/connect.sh register NAME FILE.json   create or update (PUT /connectors/NAME/config), then wait
#                                              until the connector and all its tasks are RUNNING
#   stack/connect.sh delete NAME               remove the connector (no-op if absent), wait until gone
#   stack/connect.sh purge NAME                stop it, reset its stored source offsets (KIP-875), delete it:
#                                              re-registering the same NAME then starts from scratch
#   stack/connect.sh status NAME               print status JSON; exit 0 only if connector+tasks RUNNING
#   stack/connect.sh list                      names of registered connectors
#
# FILE.json is either the flat config map or {"name": ..., "config": {...}}. Strings may use
# ${FANOUT_*} placeholders (e.g. "database.port": "${FANOUT_PG_PORT}"), replaced from the environment
# (after sourcing stack/env). Timeout: FANOUT_CONNECT_REGISTER_TIMEOUT seconds (default 90).
set -euo pipefail

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/env
source "$STACK_DIR/env"
: "${FANOUT_CONNECT_REGISTER_TIMEOUT:=90}"

die() { printf 'connect: ERROR: %s\n' "$*" >&2; exit 1; }
say() { printf 'connect: %s\n' "$*"; }

# http METHOD PATH [BODY] -> sets HTTP_CODE and HTTP_BODY
http() {
  local method="$1" path="$2" body="${3:-}" out
  local args=(-s -S --max-time 30 -X "$method" -H 'Accept: application/json' -w '\n%{http_code}')
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  if ! out="$(curl "${args[@]}" "$FANOUT_CONNECT_URL$path" 2>&1)"; then
    die "cannot reach Kafka Connect at $FANOUT_CONNECT_URL ($out); is the stack up? (stack/stack.sh up connect)"
  fi
  HTTP_CODE="${out##*$'\n'}"
  HTTP_BODY="${out%$'\n'*}"
}

print_failure_traces() { # status json on stdin
  jq -r '
    (if .connector.state == "FAILED" then "connector FAILED on \(.connector.worker_id):\n\(.connector.trace // "(no trace)")" else empty end),
    (.tasks[]? | select(.state == "FAILED") | "task \(.id) FAILED on \(.worker_id):\n\(.trace // "(no trace)")")' >&2
}

all_running() { # status json on stdin
  jq -e '.connector.state == "RUNNING" and (.tasks | length) > 0 and all(.tasks[]; .state == "RUNNING")' >/dev/null
}

any_failed() {
  jq -e '.connector.state == "FAILED" or any(.tasks[]?; .state == "FAILED")' >/dev/null
}

cmd_register() {
  [ $# -eq 2 ] || die "usage: connect.sh register NAME FILE.json"
  local name="$1" file="$2" config deadline
  [ -f "$file" ] || die "no such file: $file"
  config="$(jq -c '
      (if has("config") then .config else . end)
      | del(.name)
      | walk(if type == "string"
             then gsub("\\$\\{(?<v>FANOUT_[A-Z0-9_]+)\\}"; (env[.v] // error("unset environment variable " + .v)))
             else . end)
      | with_entries(.value |= (if type == "string" then . else tostring end))' "$file")" ||
    die "cannot read connector config from $file"
  http PUT "/connectors/$name/config" "$config"
  case "$HTTP_CODE" in
    200) say "$name: config updated" ;;
    201) say "$name: created" ;;
    *)
      printf '%s\n' "$HTTP_BODY" | jq -r '.message // .' >&2 2>/dev/null || printf '%s\n' "$HTTP_BODY" >&2
      die "$name: PUT /connectors/$name/config returned HTTP $HTTP_CODE"
      ;;
  esac
  deadline=$((SECONDS + FANOUT_CONNECT_REGISTER_TIMEOUT))
  local last=""
  while :; do
    http GET "/connectors/$name/status"
    if [ "$HTTP_CODE" = 200 ]; then
      last="$HTTP_BODY"
      if all_running <<<"$HTTP_BODY"; then
        say "$name: RUNNING ($(jq -r '[.tasks[] | "task \(.id)"] | join(", ")' <<<"$HTTP_BODY") RUNNING)"
        return 0
      fi
      if any_failed <<<"$HTTP_BODY"; then
        print_failure_traces <<<"$HTTP_BODY"
        die "$name: FAILED (see trace above; worker log: $FANOUT_RUN_DIR/logs/connect.log)"
      fi
    fi
    if [ $SECONDS -ge $deadline ]; then
      [ -n "$last" ] && jq . <<<"$last" >&2
      die "$name: not RUNNING after ${FANOUT_CONNECT_REGISTER_TIMEOUT}s (worker log: $FANOUT_RUN_DIR/logs/connect.log)"
    fi
    sleep 0.5
  done
}

cmd_delete() {
  [ $# -eq 1 ] || die "usage: connect.sh delete NAME"
  local name="$1" deadline
  http DELETE "/connectors/$name"
  case "$HTTP_CODE" in
    204 | 200) ;;
    404) say "$name: not registered"; return 0 ;;
    *) die "$name: DELETE returned HTTP $HTTP_CODE: $HTTP_BODY" ;;
  esac
  deadline=$((SECONDS + FANOUT_CONNECT_REGISTER_TIMEOUT))
  while :; do
    http GET "/connectors/$name"
    [ "$HTTP_CODE" = 404 ] && break
    [ $SECONDS -ge $deadline ] && die "$name: still present ${FANOUT_CONNECT_REGISTER_TIMEOUT}s after DELETE"
    sleep 0.3
  done
  say "$name: deleted"
}

cmd_purge() {
  [ $# -eq 1 ] || die "usage: connect.sh purge NAME"
  local name="$1" deadline
  http GET "/connectors/$name"
  if [ "$HTTP_CODE" = 404 ]; then say "$name: not registered"; return 0; fi
  http PUT "/connectors/$name/stop"
  [ "$HTTP_CODE" = 202 ] || [ "$HTTP_CODE" = 204 ] || die "$name: PUT stop returned HTTP $HTTP_CODE: $HTTP_BODY"
  deadline=$((SECONDS + FANOUT_CONNECT_REGISTER_TIMEOUT))
  while :; do
    http GET "/connectors/$name/status"
    [ "$HTTP_CODE" = 200 ] && jq -e '.connector.state == "STOPPED" and (.tasks | length) == 0' >/dev/null <<<"$HTTP_BODY" && break
    [ $SECONDS -ge $deadline ] && die "$name: not STOPPED ${FANOUT_CONNECT_REGISTER_TIMEOUT}s after PUT stop"
    sleep 0.3
  done
  http DELETE "/connectors/$name/offsets"
  [ "$HTTP_CODE" = 200 ] || die "$name: DELETE offsets returned HTTP $HTTP_CODE: $HTTP_BODY"
  say "$name: offsets reset ($(jq -r '.message' <<<"$HTTP_BODY"))"
  cmd_delete "$name"
}

cmd_status() {
  [ $# -eq 1 ] || die "usage: connect.sh status NAME"
  http GET "/connectors/$1/status"
  [ "$HTTP_CODE" = 200 ] || die "$1: HTTP $HTTP_CODE: $HTTP_BODY"
  jq . <<<"$HTTP_BODY"
  all_running <<<"$HTTP_BODY"
}

cmd_list() {
  http GET "/connectors"
  [ "$HTTP_CODE" = 200 ] || die "HTTP $HTTP_CODE: $HTTP_BODY"
  jq -r '.[]' <<<"$HTTP_BODY"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  register) cmd_register "$@" ;;
  delete) cmd_delete "$@" ;;
  purge) cmd_purge "$@" ;;
  status) cmd_status "$@" ;;
  list) cmd_list ;;
  *) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
