// A Kafka cluster that cannot be reached at start is retried with a clear log line, not a crash,
// and SIGTERM still stops fanout cleanly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/process.h"

namespace fanout::testing {
namespace {

TEST(BrokerDownTest, RetriesWithAClearLogLineAndStopsCleanly) {
  const std::string dir =
      std::filesystem::temp_directory_path() / ("fanout-down-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string config = dir + "/fanout.yaml";
  const std::string log = dir + "/fanout.log";
  // Port 1 on loopback: nothing listens there.
  std::ofstream(config) << "version: 1\n"
                           "kafka: { bootstrap.servers: \"127.0.0.1:1\", group.id: down-test }\n"
                           "source: { topics: [orders] }\n";
  ChildProcess fanout({FANOUT_BINARY, "run", "-c", config}, log);
  EXPECT_TRUE(
      WaitFor([&] { return ReadFile(log).find("cannot reach 127.0.0.1:1") != std::string::npos; },
              std::chrono::seconds(20)))
      << ReadFile(log);
  // Time passes on purpose: fanout must still be running (retrying) 2 s after the first failure.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_TRUE(fanout.running()) << "fanout must keep retrying, not exit:\n" << ReadFile(log);
  fanout.Signal(SIGTERM);
  EXPECT_EQ(fanout.Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fanout::testing
