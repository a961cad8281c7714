#include "sinks/postgres/errors.h"

#include <algorithm>
#include <string>

namespace fanout {
namespace {

bool HasClass(std::string_view sqlstate, std::string_view cls) {
  return sqlstate.size() == 5 && sqlstate.substr(0, 2) == cls;
}

std::string Describe(std::string_view sqlstate, std::string_view message) {
  // libpq messages end with a newline; keep dead-letter headers on one line.
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.remove_suffix(1);
  }
  return "SQLSTATE " + std::string(sqlstate) + ": " + std::string(message);
}

}  // namespace

bool IsBadRecordSqlState(std::string_view sqlstate) {
  if (sqlstate == "42501") return false;  // insufficient privilege: configuration, fatal
  return HasClass(sqlstate, "23") || HasClass(sqlstate, "22") || HasClass(sqlstate, "42") ||
         sqlstate == "0A000";
}

ActionResult ClassifySqlState(std::string_view sqlstate, std::string_view message) {
  std::string why = Describe(sqlstate, message);
  if (IsBadRecordSqlState(sqlstate)) return ActionResult::BadRecord(std::move(why));
  if (HasClass(sqlstate, "28") || sqlstate == "3D000" || sqlstate == "42501" ||
      sqlstate == "3F000") {
    return ActionResult::Fatal(std::move(why));
  }
  if (HasClass(sqlstate, "08") || sqlstate == "53300" ||
      (HasClass(sqlstate, "57") && sqlstate.substr(2, 2) == "P0")) {
    return ActionResult::Unavailable(std::move(why));
  }
  // 40001, 40P01, 55P03, 57014, 53xxx, 26000, 25xxx, XX000 and anything unknown: transient as
  // far as we can tell; counted, so a persistent one ends under the route's on_exhausted.
  return ActionResult::Retry(std::move(why));
}

std::string WithoutRowValues(std::string_view message, std::string_view sql,
                             std::span<const std::string> names) {
  std::string out;
  out.reserve(message.size());
  std::size_t i = 0;
  while (i < message.size()) {
    const std::size_t open = message.find('"', i);
    if (open == std::string_view::npos) break;
    // The span's end: the next quote not doubled ("" stands for one quote inside a name).
    std::size_t close = open + 1;
    while (close < message.size()) {
      if (message[close] == '"' && close + 1 < message.size() && message[close + 1] == '"') {
        close += 2;
        continue;
      }
      if (message[close] == '"') break;
      ++close;
    }
    if (close >= message.size()) break;  // unbalanced: the rest is treated as text below
    const std::string_view quoted = message.substr(open, close - open + 1);  // with its quotes
    const std::string_view inner = quoted.substr(1, quoted.size() - 2);
    const bool is_name = sql.find(quoted) != std::string_view::npos ||
                         std::find(names.begin(), names.end(), inner) != names.end();
    out.append(message.substr(i, open - i));
    out.append(is_name ? quoted : std::string_view("\"…\""));
    i = close + 1;
  }
  if (i < message.size()) {
    const std::string_view rest = message.substr(i);
    // An unbalanced quote: whatever follows it may be a value.
    const std::size_t quote = rest.find('"');
    out.append(rest.substr(0, quote));
    if (quote != std::string_view::npos) out.append("\"…");
  }
  return out;
}

ActionResult ClassifyConnectionFailure(std::string_view message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.remove_suffix(1);
  }
  std::string why = "postgres: " + std::string(message);
  if (message.find("authentication failed") != std::string_view::npos ||
      message.find("no password supplied") != std::string_view::npos ||
      message.find("password authentication") != std::string_view::npos ||
      (message.find("database \"") != std::string_view::npos &&
       message.find("does not exist") != std::string_view::npos) ||
      message.find("invalid connection option") != std::string_view::npos ||
      message.find("invalid URI") != std::string_view::npos ||
      message.find("missing \"=\"") != std::string_view::npos) {
    return ActionResult::Fatal(std::move(why));
  }
  return ActionResult::Unavailable(std::move(why));
}

Status PostgresStartStatus(const ActionResult& result) {
  switch (result.outcome) {
    case ActionOutcome::kApplied:
    case ActionOutcome::kAlreadyApplied:
      return Status();
    case ActionOutcome::kRetry:
    case ActionOutcome::kUnavailable:
      return Unavailable(result.message);
    case ActionOutcome::kBadRecord:
      return InvalidArgument(result.message);
    case ActionOutcome::kRefused:
    case ActionOutcome::kFatal:
      return FailedPrecondition(result.message);
  }
  return Internal(result.message);
}

}  // namespace fanout
