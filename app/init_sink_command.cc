// `fanout init-sink`: creates ahead of time what the PostgreSQL sinks would create on their first
// start (the processed-offsets tables and their migration row), for deployments whose runtime
// database user may not run DDL; and, given a Debezium record, the ClickHouse sinks' tables
// (app/init_clickhouse_table.cc).
#include <cstdio>
#include <string>

#include "app/commands.h"
#include "app/kafka_setup.h"
#include "app/load_config.h"
#include "config/loader.h"
#include "sinks/postgres/postgres_sink.h"
#include "sinks/postgres/settings.h"
#include "sinks/sink.h"

namespace fanout {

int InitSinkCommand(const InitSinkOptions& options) {
  config::LoadResult loaded = LoadValidatedConfig(options.config_path);
  if (!loaded.ok()) {
    PrintConfigErrors(loaded);
    return kExitConfigError;
  }
  const config::Config& config = loaded.config;
  bool named_found = false;
  int initialised = 0;
  for (const config::SinkConfig& sink : config.sinks) {
    if (options.sink && sink.name != *options.sink) continue;
    named_found = true;
    if (sink.type == "clickhouse" && options.event_path) {
      const int code = InitClickHouseTables(config, sink, options);
      if (code != kExitOk) return code;
      ++initialised;
      continue;
    }
    if (sink.type != "postgres") {
      if (options.sink) {
        std::fprintf(
            stderr, "sink '%s' (type %s) has nothing to initialise%s\n", sink.name.c_str(),
            sink.type.c_str(),
            sink.type == "clickhouse" ? " without --event (a record with its schema)" : "");
      }
      continue;
    }
    const SinkSpec spec{sink.name, sink.type, sink.settings, sink.headers,
                        KafkaProperty(config, "group.id")};
    Status status = InitPostgresSink(spec);
    if (!status.ok()) {
      std::fprintf(stderr, "%s: sink '%s': %s\n", config::ToString(sink.location).c_str(),
                   sink.name.c_str(), status.ToString().c_str());
      return status.code() == StatusCode::kInvalidArgument ? kExitConfigError : kExitRuntimeError;
    }
    Result<PostgresSinkSettings> settings = ParsePostgresSinkSettings(spec);  // Init parsed it
    const std::string table = settings.ok() ? settings->offsets_table : "the offsets table";
    std::printf("sink '%s': %s and %s_rejected are ready\n", sink.name.c_str(), table.c_str(),
                table.c_str());
    ++initialised;
  }
  if (options.sink && !named_found) {
    std::fprintf(stderr, "%s: no sink named '%s'\n", options.config_path.c_str(),
                 options.sink->c_str());
    return kExitConfigError;
  }
  if (initialised == 0 && !options.sink) std::printf("no sink needs initialising\n");
  return kExitOk;
}

}  // namespace fanout
