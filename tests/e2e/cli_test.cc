// The fanout binary's command line, end to end (no servers needed).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using ::testing::HasSubstr;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("fanout-cli-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs fanout with `args`; returns the exit status and fills `output_`.
  int Run(std::vector<std::string> args) {
    args.insert(args.begin(), FANOUT_BINARY);
    const std::string log = dir_ + "/out.log";
    std::filesystem::remove(log);
    ChildProcess process(args, log);
    std::optional<int> status = process.Wait(std::chrono::seconds(20));
    output_ = ReadFile(log);
    return status.value_or(-1);
  }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  std::string dir_;
  std::string output_;
};

TEST_F(CliTest, VersionAndHelp) {
  EXPECT_EQ(Run({"--version"}), 0);
  EXPECT_THAT(output_, HasSubstr("fanout 0."));
  EXPECT_EQ(Run({"--help"}), 0);
  EXPECT_THAT(output_, HasSubstr("validate"));
  EXPECT_THAT(output_, HasSubstr("run"));
}

TEST_F(CliTest, ValidateAcceptsTheDemoConfig) {
  EXPECT_EQ(Run({"validate", "-c", std::string(FANOUT_REPO_DIR) + "/examples/inventory.yaml"}), 0)
      << output_;
  EXPECT_THAT(output_, HasSubstr("OK"));
}

TEST_F(CliTest, ValidatePointsAtEveryBrokenLineAndExits1) {
  const std::string path = Write("broken.yaml", R"(version: 1
kafka:
  bootstrap.servers: 127.0.0.1:19092
  group.id: g
  enable.auto.commit: "true"
  fetch.wait.max.ms: soon
source:
  topics: [a]
processing:
  commit_interval: 1 second
)");
  EXPECT_EQ(Run({"validate", "-c", path}), 1);
  EXPECT_THAT(output_, HasSubstr(path + ":5:3: kafka.enable.auto.commit: fanout manages offsets"));
  EXPECT_THAT(output_, HasSubstr(path + ":6:3: kafka.fetch.wait.max.ms: "));
  EXPECT_THAT(output_, HasSubstr(path + ":10:20: processing.commit_interval: expected a duration"));
  EXPECT_THAT(output_, HasSubstr("3 errors in the configuration"));
}

TEST_F(CliTest, RunWithABrokenConfigExits1WithoutStarting) {
  const std::string path = Write("bad.yaml", "version: 1\nsource: { topics: [a] }\n");
  EXPECT_EQ(Run({"run", "-c", path}), 1);
  EXPECT_THAT(output_, HasSubstr("kafka: required"));
}

TEST_F(CliTest, UnknownSubcommandIsAnError) { EXPECT_NE(Run({"frobnicate"}), 0); }

}  // namespace
}  // namespace fanout::testing
