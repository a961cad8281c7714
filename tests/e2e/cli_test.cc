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

// `make demo SOURCE=mariadb`: the same routes on the MariaDB source's topics.
TEST_F(CliTest, ValidateAcceptsTheMariadbDemoConfig) {
  EXPECT_EQ(
      Run({"validate", "-c", std::string(FANOUT_REPO_DIR) + "/examples/inventory-mariadb.yaml"}), 0)
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

// What only a sink's own parser or a route's binding can tell, which `run` refuses at startup,
// and a plugin library that must not be loaded by a check.
TEST_F(CliTest, ValidateRunsEverySinksParserAndRouteBindingAndLoadsNoCode) {
  const std::string marker = dir_ + "/plugin-loaded";
  ::setenv("FANOUT_TEST_PLUGIN_MARKER", marker.c_str(), 1);
  const std::string path = Write("sinks.yaml", R"(version: 1
kafka:
  bootstrap.servers: 127.0.0.1:19092
  group.id: g
  plugin.library.paths: )" + std::string(FANOUT_TEST_PLUGIN) +
                                                   R"(
source: { topics: [a] }
sinks:
  cache: { type: redis, url: "redis://127.0.0.1:notaport/0" }
  db: { type: postgres, dsn: "postgresql://u:S3cr3tPw%zz@127.0.0.1:1/db" }
  hook:
    type: http
    url: http://127.0.0.1:1/x
    headers: { X-Tenant: "a\r\nInjected: 1" }
  hook2: { type: http, url: "http://127.0.0.1:1/y", username: "a:b", password: p }
  hook3: { type: http, url: "http://127.0.0.1:1/z", batch_size: 10 }
routes:
  - { name: r1, from: public.t, to: hook3, path: "/items/{id}" }
)");
  EXPECT_EQ(Run({"validate", "-c", path}), 1);
  EXPECT_THAT(output_, HasSubstr(path + ":8:3: sinks.cache: url: the port must be"));
  EXPECT_THAT(output_, HasSubstr(path + ":9:3: sinks.db: dsn: libpq cannot parse it"));
  EXPECT_THAT(output_, HasSubstr("sinks.hook: headers.X-Tenant: the value has control characters"));
  EXPECT_THAT(output_, HasSubstr("sinks.hook2: username: Basic authentication does not allow"));
  EXPECT_THAT(output_, HasSubstr(path + ":17:5: routes.r1: path: not supported"));
  EXPECT_THAT(output_, HasSubstr("5 errors in the configuration"));
  EXPECT_THAT(output_, ::testing::Not(HasSubstr("S3cr3tPw"))) << "a DSN is never echoed";
  EXPECT_FALSE(std::filesystem::exists(marker)) << "validate loaded the plugin library";
  // `run` refuses the same config the same way (exit 1), before it connects to anything.
  EXPECT_EQ(Run({"run", "-c", path}), 1);
  EXPECT_THAT(output_, HasSubstr("sinks.db: dsn: libpq cannot parse it"));
  EXPECT_FALSE(std::filesystem::exists(marker));
  ::unsetenv("FANOUT_TEST_PLUGIN_MARKER");
}

TEST_F(CliTest, RunWithABrokenConfigExits1WithoutStarting) {
  const std::string path = Write("bad.yaml", "version: 1\nsource: { topics: [a] }\n");
  EXPECT_EQ(Run({"run", "-c", path}), 1);
  EXPECT_THAT(output_, HasSubstr("kafka: required"));
}

TEST_F(CliTest, UnknownSubcommandIsAnError) { EXPECT_NE(Run({"frobnicate"}), 0); }

}  // namespace
}  // namespace fanout::testing
