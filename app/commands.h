// The CLI's commands. Each returns the process exit status.
#ifndef FANOUT_APP_COMMANDS_H_
#define FANOUT_APP_COMMANDS_H_

#include <optional>
#include <string>

namespace fanout {

// Exit statuses, documented in README.md.
inline constexpr int kExitOk = 0;
inline constexpr int kExitConfigError = 1;
inline constexpr int kExitRuntimeError = 2;

// Validates the config (YAML shape and librdkafka properties); prints every error as
// file:line:col and returns kExitConfigError when there is any.
int ValidateCommand(const std::string& config_path);

struct RunOptions {
  std::string config_path;
  std::optional<std::string> dump_events_path;
  std::optional<std::string> log_level;  // overrides logging.level
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

}  // namespace fanout

#endif  // FANOUT_APP_COMMANDS_H_
