// The CLI's commands. Each returns the process exit status.
#ifndef FANOUT_APP_COMMANDS_H_
#define FANOUT_APP_COMMANDS_H_

#include <optional>
#include <string>

namespace fanout {
namespace config {
struct Config;
struct SinkConfig;
}  // namespace config

// Exit statuses, documented in README.md.
inline constexpr int kExitOk = 0;
inline constexpr int kExitConfigError = 1;
inline constexpr int kExitRuntimeError = 2;
inline constexpr int kExitNotReady = 3;  // `fanout status`: the instance answered, not ready

// Validates the config (YAML shape and librdkafka properties); prints every error as
// file:line:col and returns kExitConfigError when there is any.
int ValidateCommand(const std::string& config_path);

struct RunOptions {
  std::string config_path;
  std::optional<std::string> dump_events_path;
  std::optional<std::string> log_level;   // overrides logging.level
  std::optional<std::string> log_format;  // overrides logging.format: auto, json, text
};

// Runs the consumer until SIGINT/SIGTERM (kExitOk) or a fatal error (kExitRuntimeError).
int RunCommand(const RunOptions& options);

struct DlqReplayOptions {
  std::string config_path;
  std::optional<std::string> topic;  // default: dead_letter.topic
  std::optional<std::string> route;  // only this route's dead letters
  std::optional<std::string> since;  // a duration: only dead letters younger than this
  std::string idle = "5s";           // stop after this long without new dead letters
  std::optional<std::string> log_level;
};

// Re-drives dead letters through the routes (exactly once, in the configured guarantee) and
// exits when caught up. kExitOk, kExitConfigError or kExitRuntimeError.
int DlqReplayCommand(const DlqReplayOptions& options);

struct StatusOptions {
  std::string admin = "127.0.0.1:9464";  // the instance's admin.listen
  std::string interval = "1s";           // between the two scrapes a rate is taken over
};

// Prints a running instance's state (readiness, lag, per-route table) from its admin endpoint.
// kExitOk when ready, kExitNotReady when not, kExitRuntimeError when it cannot be reached.
int StatusCommand(const StatusOptions& options);

struct InitSinkOptions {
  std::string config_path;
  std::optional<std::string> sink;  // only this sink (default: every sink that needs it)
  // A Debezium record with schemas (as `kcat -C -J` prints it): the ClickHouse sinks' routes of
  // its table get their CREATE TABLE from it (sinks/clickhouse/README.md).
  std::optional<std::string> event_path;
  bool create = false;  // run the ClickHouse DDL instead of printing it
};

// Creates what the config's PostgreSQL sinks need before their first write (the processed-offsets
// tables, sinks/postgres/README.md), as the sinks themselves would on start; with an event file,
// prints (or with `create`, runs) the CREATE TABLE of each ClickHouse route of the event's table.
// kExitOk, kExitConfigError (bad config, unknown sink, an event without schema) or
// kExitRuntimeError (database unreachable, DDL refused).
int InitSinkCommand(const InitSinkOptions& options);

// The ClickHouse part of InitSinkCommand for one sink (app/init_clickhouse_table.cc): the
// CREATE TABLE of each of its routes that take `options.event_path`'s table. An exit code.
int InitClickHouseTables(const config::Config& config, const config::SinkConfig& sink,
                         const InitSinkOptions& options);

}  // namespace fanout

#endif  // FANOUT_APP_COMMANDS_H_
