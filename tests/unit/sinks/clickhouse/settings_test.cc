#include "sinks/clickhouse/settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace fanout {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Settings = std::vector<std::pair<std::string, std::string>>;

Result<ClickHouseSinkSettings> Parse(Settings settings) {
  return ParseClickHouseSinkSettings(SinkSpec{"warehouse", "clickhouse", std::move(settings), {}});
}

TEST(ClickHouseSinkSettingsTest, DefaultsAndUrl) {
  Result<ClickHouseSinkSettings> settings = Parse({{"url", "http://127.0.0.1:8123/ch/"}});
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  EXPECT_EQ(settings->url.host, "127.0.0.1");
  EXPECT_EQ(settings->url.port, 8123);
  EXPECT_EQ(settings->url.base_path, "/ch");
  EXPECT_EQ(settings->database, "default");
  EXPECT_EQ(settings->batch_size, 5000u);
  EXPECT_EQ(settings->pool_size, 1u) << "few large INSERTs";
  EXPECT_EQ(settings->timeout, std::chrono::seconds(10));
  EXPECT_EQ(settings->linger, std::chrono::milliseconds(200));
  EXPECT_EQ(settings->authorization, "");
}

TEST(ClickHouseSinkSettingsTest, UserWithAndWithoutPassword) {
  Result<ClickHouseSinkSettings> with =
      Parse({{"url", "http://h:8123"}, {"username", "writer"}, {"password", "s3cret"}});
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  EXPECT_EQ(with->authorization, "Basic d3JpdGVyOnMzY3JldA==");
  Result<ClickHouseSinkSettings> without = Parse({{"url", "http://h:8123"}, {"username", "ro"}});
  ASSERT_TRUE(without.ok()) << without.status().ToString();
  EXPECT_EQ(without->authorization, "Basic cm86");
}

TEST(ClickHouseSinkSettingsTest, EveryBadSettingIsNamedWithoutItsValue) {
  const std::vector<std::pair<Settings, std::string>> cases = {
      {{}, "url: required"},
      {{{"url", "ftp://h"}}, "url"},
      {{{"url", "http://h"}, {"password", "s3cret"}}, "password: set without username"},
      {{{"url", "http://h"}, {"batch_size", "0"}}, "batch_size"},
      {{{"url", "http://h"}, {"batch_size", "100001"}}, "batch_size"},
      {{{"url", "http://h"}, {"pool_size", "0"}}, "pool_size"},
      {{{"url", "http://h"}, {"timeout", "0s"}}, "timeout"},
      {{{"url", "http://h"}, {"linger", "2m"}}, "linger"},
      {{{"url", "http://h"}, {"index", "x"}}, "index"},
      {{{"url", "http://h"}, {"username", "a:b"}, {"password", "s3cret"}}, "username"},
  };
  for (const auto& [settings, want] : cases) {
    Result<ClickHouseSinkSettings> parsed = Parse(settings);
    ASSERT_FALSE(parsed.ok()) << want;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr(want));
    EXPECT_THAT(parsed.status().message(), Not(HasSubstr("s3cret")));
  }
}

TEST(ClickHouseSinkSettingsTest, IdentifiersAreQuoted) {
  EXPECT_EQ(QuoteClickHouseIdentifier("orders"), "`orders`");
  EXPECT_EQ(QuoteClickHouseIdentifier("a`b\\c"), "`a\\`b\\\\c`");
}

}  // namespace
}  // namespace fanout
