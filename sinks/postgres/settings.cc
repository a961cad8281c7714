#include "sinks/postgres/settings.h"

#include <libpq-fe.h>

#include <algorithm>
#include <limits>

#include "processor/core/duration.h"
#include "sinks/text_numbers.h"

namespace fanout {
namespace {

constexpr std::string_view kKnownSettings[] = {
    "dsn", "pool_size", "batch_size", "timeout", "offsets_table", "auto_evolve", "on_schema_drift"};

bool IsPlainIdentifier(std::string_view part) {
  if (part.empty() || (part[0] >= '0' && part[0] <= '9')) return false;
  return std::all_of(part.begin(), part.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

bool IsPlainQualifiedName(std::string_view name) {
  const std::size_t dot = name.find('.');
  if (dot == std::string_view::npos) return IsPlainIdentifier(name);
  return IsPlainIdentifier(name.substr(0, dot)) && IsPlainIdentifier(name.substr(dot + 1));
}

Result<std::chrono::milliseconds> ParsePostgresDuration(std::string_view text) {
  // statement_timeout and the connection deadlines are int milliseconds.
  return ParsePositiveDuration(text,
                               std::chrono::milliseconds(std::numeric_limits<std::int32_t>::max()));
}

Result<PostgresSinkSettings> ParsePostgresSinkSettings(const SinkSpec& spec) {
  for (const auto& [key, value] : spec.settings) {
    (void)value;
    if (std::find(std::begin(kKnownSettings), std::end(kKnownSettings), key) ==
        std::end(kKnownSettings)) {
      return InvalidArgument(key + ": not a setting of the postgres sink");
    }
  }
  if (!spec.headers.empty()) return InvalidArgument("headers: not a setting of the postgres sink");
  PostgresSinkSettings out;
  out.dsn = std::string(spec.Setting("dsn"));
  if (out.dsn.empty()) {
    return InvalidArgument("dsn: required (a libpq connection string or postgresql:// URI)");
  }
  // libpq would refuse it at every connection attempt, and its message quotes the offending
  // token, which may be the password: checked here, once, and never echoed.
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(out.dsn.c_str(), &parse_error);
  if (options == nullptr) {
    PQfreemem(parse_error);
    return InvalidArgument(
        "dsn: libpq cannot parse it (key=value pairs, or a postgresql:// URI whose reserved "
        "characters are percent-encoded as %XX); its text is not shown, it may hold a password");
  }
  PQconninfoFree(options);
  FANOUT_ASSIGN_OR_RETURN(out.pool_size, ParseBounded(spec, "pool_size", 4, 1, 256));
  FANOUT_ASSIGN_OR_RETURN(out.batch_size, ParseBounded(spec, "batch_size", 500, 1, 100000));
  if (std::string_view text = spec.Setting("timeout"); !text.empty()) {
    Result<std::chrono::milliseconds> timeout = ParsePostgresDuration(text);
    if (!timeout.ok())
      return InvalidArgument("timeout: " + std::string(timeout.status().message()));
    out.timeout = *timeout;
  }
  if (std::string_view table = spec.Setting("offsets_table"); !table.empty()) {
    if (!IsPlainQualifiedName(table)) {
      return InvalidArgument(
          "offsets_table: must be [schema.]name of letters, digits and '_' (not starting with a "
          "digit)");
    }
    out.offsets_table = std::string(table);
  }
  if (std::string_view evolve = spec.Setting("auto_evolve"); !evolve.empty()) {
    if (evolve != "true" && evolve != "false") {
      return InvalidArgument("auto_evolve: must be true or false");
    }
    out.auto_evolve = evolve == "true";
  }
  if (std::string_view drift = spec.Setting("on_schema_drift"); !drift.empty()) {
    if (drift == "dead_letter") {
      out.on_schema_drift = SchemaDriftAction::kDeadLetter;
    } else if (drift == "fail") {
      out.on_schema_drift = SchemaDriftAction::kFail;
    } else {
      return InvalidArgument("on_schema_drift: must be dead_letter or fail");
    }
  }
  out.consumer_group = spec.consumer_group;
  if (out.consumer_group.empty()) {
    return InvalidArgument(
        "the postgres sink keys its processed offsets by the consumer group: kafka.group.id is "
        "required");
  }
  return out;
}

}  // namespace fanout
