#include "config/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

namespace fanout::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::vector<std::string> ErrorLines(const LoadResult& result) {
  std::vector<std::string> lines;
  for (const ConfigError& error : result.errors) lines.push_back(ToString(error));
  return lines;
}

TEST(LoaderTest, LoadsAValidConfig) {
  LoadResult result = LoadConfigText(R"(version: 1
kafka:
  bootstrap.servers: ${BOOT}
  group.id: fanout-test
source:
  topics: ["^inv\\.public\\..*", "other"]
processing: { commit_interval: 250ms, max_batch: 500 }
logging: { level: debug, progress_interval: 2s }
)",
                                     "f.yaml", FakeEnv({{"BOOT", "127.0.0.1:19092"}}));
  ASSERT_TRUE(result.errors.empty()) << ErrorLines(result)[0];
  const Config& config = result.config;
  ASSERT_EQ(config.kafka.size(), 2u);
  EXPECT_EQ(config.kafka[0].key, "bootstrap.servers");
  EXPECT_EQ(config.kafka[0].value, "127.0.0.1:19092");
  EXPECT_EQ(config.kafka[0].location.line, 3);
  EXPECT_EQ(config.kafka[0].location.column, 3);
  EXPECT_THAT(config.source.topics, ElementsAre("^inv\\.public\\..*", "other"));
  EXPECT_EQ(config.processing.commit_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(config.processing.max_batch, 500u);
  EXPECT_EQ(config.logging.level, "debug");
  EXPECT_EQ(config.logging.progress_interval, std::chrono::seconds(2));
}

TEST(LoaderTest, ReportsEveryMistakeAtOnceWithFileLineColumn) {
  LoadResult result = LoadConfigText(R"(version: 2
kafka:
  bootstrap.servers: ${MISSING}
source:
  topics: ["^(unclosed"]
  topcs: []
processing:
  commit_interval: 10
  max_batch: lots
logging: { level: loud }
routes: []
)",
                                     "bad.yaml", FakeEnv({}));
  EXPECT_FALSE(result.ok());
  EXPECT_THAT(
      ErrorLines(result),
      ElementsAre("bad.yaml:1:10: version: must be between 1 and 1",
                  HasSubstr("bad.yaml:3:22: kafka.bootstrap.servers: environment variable "
                            "MISSING is not set"),
                  HasSubstr("bad.yaml:5:12: source.topics[0]: invalid regular expression"),
                  "bad.yaml:6:3: source.topcs: unknown key 'topcs' (known keys: topics)",
                  HasSubstr("bad.yaml:8:20: processing.commit_interval: expected a duration"),
                  "bad.yaml:9:14: processing.max_batch: expected an integer",
                  HasSubstr("bad.yaml:10:19: logging.level: expected one of: trace"),
                  HasSubstr("bad.yaml:11:1: routes: unknown key 'routes'")));
}

TEST(LoaderTest, MissingRequiredSections) {
  LoadResult result = LoadConfigText("processing: {}\n", "m.yaml", FakeEnv({}));
  EXPECT_THAT(ErrorLines(result),
              ElementsAre(HasSubstr("version: required"), HasSubstr("kafka: required"),
                          HasSubstr("source: required")));
}

TEST(LoaderTest, YamlSyntaxErrorHasALocation) {
  LoadResult result = LoadConfigText("version: 1\nkafka: [unclosed\n", "s.yaml", FakeEnv({}));
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_THAT(ToString(result.errors[0]), HasSubstr("YAML syntax error"));
  EXPECT_GT(result.errors[0].location.line, 0);
}

TEST(LoaderTest, EmptyFileIsAnError) {
  LoadResult result = LoadConfigText("", "e.yaml", FakeEnv({}));
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_THAT(result.errors[0].message, HasSubstr("empty"));
}

TEST(LoaderTest, SecretValuesNeverAppearInErrors) {
  LoadResult result = LoadConfigText(R"(version: 1
kafka: { bootstrap.servers: x, group.id: g, sasl.password: "${PW}" }
source: { topics: t }
)",
                                     "p.yaml", FakeEnv({{"PW", "hunter2"}}));
  ASSERT_FALSE(result.errors.empty());  // topics must be a list
  for (const std::string& line : ErrorLines(result))
    EXPECT_THAT(line, ::testing::Not(HasSubstr("hunter2")));
}

TEST(LoaderTest, MissingFileIsReported) {
  LoadResult result = LoadConfigFile("/nonexistent/fanout.yaml", FakeEnv({}));
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(ToString(result.errors[0]), "/nonexistent/fanout.yaml: cannot open the file");
}

}  // namespace
}  // namespace fanout::config
