// Child processes for integration tests: spawn `fanout`, signal it, wait for it with a deadline.
#ifndef FANOUT_TESTS_SUPPORT_PROCESS_H_
#define FANOUT_TESTS_SUPPORT_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace fanout::testing {

class ChildProcess {
 public:
  // Starts `argv` (argv[0] found on PATH unless it has a slash) with stdout and stderr appended
  // to `log_path`. Check running() after.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();  // SIGKILLs a child that is still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool running();
  void Signal(int signal);
  // The exit status (or 128+signal) if the child ended within `timeout`.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Polls `condition` every 100 ms until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

std::string ReadFile(const std::string& path);

// The environment variable, or fails the calling test when it is not set.
std::string RequireEnv(const char* name);

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_SUPPORT_PROCESS_H_
