#include "sinks/postgres/settings.h"

#include <libpq-fe.h>

#include <algorithm>

#include "sinks/postgres/spec.h"
#include "sinks/sink_settings.h"

namespace fanout {
namespace {

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

Result<PostgresSinkSettings> ParsePostgresSinkSettings(const SinkSpec& spec) {
  FANOUT_ASSIGN_OR_RETURN(config::SettingValues values, ReadSinkSettings(PostgresSinkType(), spec));
  PostgresSinkSettings out;
  out.dsn = std::string(values.String("dsn"));
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
  out.pool_size = static_cast<std::size_t>(values.Integer("pool_size"));
  out.batch_size = static_cast<std::size_t>(values.Integer("batch_size"));
  out.timeout = values.Duration("timeout");
  out.offsets_table = std::string(values.String("offsets_table"));
  if (!IsPlainQualifiedName(out.offsets_table)) {
    return InvalidArgument(
        "offsets_table: must be [schema.]name of letters, digits and '_' (not starting with a "
        "digit)");
  }
  out.auto_evolve = values.Boolean("auto_evolve");
  out.on_schema_drift = values.String("on_schema_drift") == "fail" ? SchemaDriftAction::kFail
                                                                   : SchemaDriftAction::kDeadLetter;
  out.consumer_group = spec.consumer_group;
  if (out.consumer_group.empty()) {
    return InvalidArgument(
        "the postgres sink keys its processed offsets by the consumer group: kafka.group.id is "
        "required");
  }
  return out;
}

}  // namespace fanout
