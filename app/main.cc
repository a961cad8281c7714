// fanout: exactly-once fan-out of Debezium change events.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>

#include "app/commands.h"
#include "config/spec.h"
#include "sinks/builtin.h"

#ifndef FANOUT_VERSION
#define FANOUT_VERSION "0.0.0-dev"
#endif

int main(int argc, char** argv) {
  CLI::App app{"fanout: exactly-once fan-out of Debezium change events from Kafka"};
  app.require_subcommand(0, 1);
  bool show_version = false;
  app.add_flag("--version", show_version, "Print the version and exit");

  fanout::RunOptions run_options;
  std::string dump_events;
  std::string log_level;
  CLI::App* run = app.add_subcommand("run", "Consume and process change events until stopped");
  run->add_option("-c,--config", run_options.config_path, "Config file (YAML)")->required();
  run->add_option("--dump-events", dump_events,
                  "Append every decoded event to FILE as one JSON line (debugging aid)");
  run->add_option("--log-level", log_level,
                  "trace, debug, info, warn or error (overrides the config)");
  std::string log_format;
  run->add_option("--log-format", log_format,
                  "auto, json or text (overrides logging.format; auto: JSON unless stderr is a "
                  "terminal)");

  fanout::InitSinkOptions init_options;
  std::string init_sink_name;
  std::string init_event_path;
  CLI::App* init_sink = app.add_subcommand(
      "init-sink",
      "Create the tables the PostgreSQL sinks keep their processed offsets in; with --event, "
      "print (or --create) the ClickHouse sinks' tables");
  init_sink->add_option("-c,--config", init_options.config_path, "Config file (YAML)")->required();
  init_sink->add_option("--sink", init_sink_name, "Only this sink (default: all that need it)");
  init_sink->add_option("--event", init_event_path,
                        "A Debezium record with schemas (as `kcat -C -J` prints it): the "
                        "ClickHouse routes of its table get a CREATE TABLE from it");
  init_sink->add_flag("--create", init_options.create,
                      "Run the ClickHouse CREATE TABLE statements instead of printing them");

  std::string validate_path;
  CLI::App* validate = app.add_subcommand("validate", "Check a config file and report every error");
  validate->add_option("-c,--config", validate_path, "Config file (YAML)")->required();

  fanout::DlqReplayOptions replay_options;
  std::string replay_topic, replay_route, replay_since;
  CLI::App* dlq = app.add_subcommand("dlq", "Work with the dead-letter topic");
  CLI::App* replay = dlq->add_subcommand(
      "replay",
      "Re-drive dead letters through their routes once the cause is fixed (exactly once)");
  dlq->require_subcommand(1);
  replay->add_option("-c,--config", replay_options.config_path, "Config file (YAML)")->required();
  replay->add_option("--topic", replay_topic, "Dead-letter topic (default: dead_letter.topic)");
  replay->add_option("--route", replay_route, "Only the dead letters of this route");
  replay->add_option("--since", replay_since,
                     "Only dead letters younger than this duration (e.g. 24h)");
  replay->add_option("--idle", replay_options.idle, "Stop after this long without new dead letters")
      ->default_str("5s");
  replay->add_option("--log-level", log_level, "trace, debug, info, warn or error");

  fanout::StatusOptions status_options;
  CLI::App* status = app.add_subcommand(
      "status", "Show a running instance's readiness, lag and per-route counts (admin endpoint)");
  status->add_option("--admin", status_options.admin, "The instance's admin.listen address")
      ->default_str(status_options.admin);
  status->add_option("--interval", status_options.interval, "Time over which rates are taken")
      ->default_str(status_options.interval);

  CLI::App* config_docs =
      app.add_subcommand("config-docs", "Print the configuration reference (docs/CONFIG.md)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (show_version) {
    std::printf("fanout %s\n", FANOUT_VERSION);
    return fanout::kExitOk;
  }
  if (*run) {
    if (!dump_events.empty()) run_options.dump_events_path = dump_events;
    if (!log_level.empty()) run_options.log_level = log_level;
    if (!log_format.empty()) run_options.log_format = log_format;
    return fanout::RunCommand(run_options);
  }
  if (*validate) return fanout::ValidateCommand(validate_path);
  if (*replay) {
    if (!replay_topic.empty()) replay_options.topic = replay_topic;
    if (!replay_route.empty()) replay_options.route = replay_route;
    if (!replay_since.empty()) replay_options.since = replay_since;
    if (!log_level.empty()) replay_options.log_level = log_level;
    return fanout::DlqReplayCommand(replay_options);
  }
  if (*status) return fanout::StatusCommand(status_options);
  if (*init_sink) {
    if (!init_sink_name.empty()) init_options.sink = init_sink_name;
    if (!init_event_path.empty()) init_options.event_path = init_event_path;
    return fanout::InitSinkCommand(init_options);
  }
  if (*config_docs) {
    const fanout::config::SinkTypes sink_types = fanout::BuiltinSinkTypes();
    std::fputs(
        fanout::config::RenderMarkdown(fanout::config::ConfigSpec(sink_types), sink_types).c_str(),
        stdout);
    return fanout::kExitOk;
  }
  std::fputs(app.help().c_str(), stdout);
  return fanout::kExitOk;
}
