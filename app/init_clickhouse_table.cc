// `fanout init-sink --event FILE [--create]` for ClickHouse sinks: the CREATE TABLE of each route
// of the sink that takes the record's table, made from the record's schemas
// (sinks/clickhouse/table_ddl.h) with the route's projection applied, for the server's dialect
// when it answers (the current one otherwise). Printed, or run with --create.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "app/commands.h"
#include "app/kafka_setup.h"
#include "app/load_config.h"
#include "config/config.h"
#include "sinks/clickhouse/clickhouse_sink.h"
#include "sinks/clickhouse/settings.h"
#include "sinks/clickhouse/table_ddl.h"
#include "sinks/sink.h"

namespace fanout {
namespace {

constexpr std::chrono::seconds kTimeout{10};

// The first non-empty line of `path`.
Result<std::string> FirstRecord(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidArgument("cannot read " + path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) return line;
  }
  return InvalidArgument(path + " holds no record");
}

std::string RouteOption(const config::RouteConfig& route, std::string_view key) {
  for (const auto& [name, value] : route.options) {
    if (name == key) return value;
  }
  return "";
}

}  // namespace

int InitClickHouseTables(const config::Config& config, const config::SinkConfig& sink,
                         const InitSinkOptions& options) {
  const auto fail = [&](const Status& status, int code) {
    std::fprintf(stderr, "%s: sink '%s': %s\n", config::ToString(sink.location).c_str(),
                 sink.name.c_str(), status.ToString().c_str());
    return code;
  };
  Result<std::string> line = FirstRecord(*options.event_path);
  if (!line.ok()) return fail(line.status(), kExitConfigError);
  Result<CapturedRecordText> record = ParseCapturedRecord(*line);
  if (!record.ok()) return fail(record.status().WithContext(*options.event_path), kExitConfigError);
  const CapturedTable source = CapturedSourceTable(*record);
  if (source.table.empty()) {
    return fail(InvalidArgument(*options.event_path + ": the record names no source table"),
                kExitConfigError);
  }
  const SinkSpec spec{sink.name, sink.type, sink.settings, sink.headers,
                      KafkaProperty(config, "group.id")};
  Result<ClickHouseSinkSettings> settings = ParseClickHouseSinkSettings(spec);
  if (!settings.ok()) return fail(settings.status(), kExitConfigError);

  // The server's dialect when it answers; the DDL is for current releases otherwise.
  ClickHouseDialect dialect;
  Result<std::string> version = RunClickHouseStatement(spec, "SELECT version()", kTimeout);
  if (version.ok()) {
    while (!version->empty() && version->back() == '\n') version->pop_back();
    dialect = ClickHouseDialectOf(*version);
  } else if (options.create) {
    return fail(version.status(), kExitRuntimeError);
  } else {
    std::fprintf(stderr, "-- sink '%s': %s; DDL for current ClickHouse releases\n",
                 sink.name.c_str(), version.status().ToString().c_str());
  }
  Result<Router> router = CompileRoutes(config);
  if (!router.ok()) return fail(router.status(), kExitConfigError);

  int tables = 0;
  for (const config::RouteConfig& route : config.routes) {
    if (route.spec.sink != sink.name) continue;
    const CompiledRoute* compiled = router->Find(route.spec.name);
    if (compiled == nullptr || !compiled->tables().Matches(source.qualified)) continue;
    std::string table = RouteOption(route, "table");
    if (table.empty()) table = source.table;
    const std::string qualified =
        QuoteClickHouseIdentifier(settings->database) + "." + QuoteClickHouseIdentifier(table);
    const ColumnNamer namer = [compiled](std::string_view column) -> std::optional<std::string> {
      std::optional<std::string_view> name = compiled->projection().OutputName(column);
      if (!name) return std::nullopt;
      return std::string(*name);
    };
    Result<std::string> ddl = ClickHouseCreateTable(*record, qualified, namer, dialect);
    if (!ddl.ok())
      return fail(ddl.status().WithContext("route '" + route.spec.name + "'"), kExitConfigError);
    if (!options.create) {
      std::printf("-- route '%s' (%s)%s\n%s;\n\n", route.spec.name.c_str(),
                  source.qualified.c_str(),
                  version.ok() ? (" for ClickHouse " + *version).c_str() : "", ddl->c_str());
      ++tables;
      continue;
    }
    Result<std::string> created = RunClickHouseStatement(spec, *ddl, kTimeout);
    if (!created.ok()) {
      return fail(created.status().WithContext("route '" + route.spec.name + "'"),
                  kExitRuntimeError);
    }
    std::printf("sink '%s': table %s is ready (route '%s')\n", sink.name.c_str(), qualified.c_str(),
                route.spec.name.c_str());
    ++tables;
  }
  if (tables == 0) {
    std::fprintf(stderr, "sink '%s': no route of it takes %s\n", sink.name.c_str(),
                 source.qualified.c_str());
  }
  return kExitOk;
}

}  // namespace fanout
