#include "sinks/postgres/settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fanout {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

SinkSpec Spec(std::vector<std::pair<std::string, std::string>> settings, std::string group = "g1") {
  SinkSpec spec{"replica", "postgres", std::move(settings), {}};
  spec.consumer_group = std::move(group);
  return spec;
}

TEST(PostgresSettingsTest, DefaultsAndDsn) {
  Result<PostgresSinkSettings> s = ParsePostgresSinkSettings(Spec({{"dsn", "host=x dbname=y"}}));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->dsn, "host=x dbname=y");
  EXPECT_EQ(s->pool_size, 4u);
  EXPECT_EQ(s->batch_size, 500u);
  EXPECT_EQ(s->timeout, std::chrono::seconds(10));
  EXPECT_EQ(s->offsets_table, "fanout_processed_offsets");
  EXPECT_FALSE(s->auto_evolve);
  EXPECT_EQ(s->on_schema_drift, SchemaDriftAction::kDeadLetter);
  EXPECT_EQ(s->consumer_group, "g1");
}

TEST(PostgresSettingsTest, AllSettings) {
  Result<PostgresSinkSettings> s =
      ParsePostgresSinkSettings(Spec({{"dsn", "postgresql://u:secret@h/db"},
                                      {"pool_size", "2"},
                                      {"batch_size", "50"},
                                      {"timeout", "3s"},
                                      {"offsets_table", "ops.offsets"},
                                      {"auto_evolve", "true"},
                                      {"on_schema_drift", "fail"}}));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->pool_size, 2u);
  EXPECT_EQ(s->batch_size, 50u);
  EXPECT_EQ(s->timeout, std::chrono::seconds(3));
  EXPECT_EQ(s->offsets_table, "ops.offsets");
  EXPECT_TRUE(s->auto_evolve);
  EXPECT_EQ(s->on_schema_drift, SchemaDriftAction::kFail);
}

TEST(PostgresSettingsTest, ErrorsNameTheSettingAndNeverTheDsn) {
  struct Case {
    std::vector<std::pair<std::string, std::string>> settings;
    std::string want;
  };
  const std::string dsn = "postgresql://u:secret@h/db";
  const std::vector<Case> cases = {
      {{}, "dsn: required"},
      {{{"dsn", dsn}, {"pool_size", "0"}}, "pool_size"},
      {{{"dsn", dsn}, {"batch_size", "x"}}, "batch_size"},
      {{{"dsn", dsn}, {"timeout", "5"}}, "timeout"},
      {{{"dsn", dsn}, {"offsets_table", "a.b.c"}}, "offsets_table"},
      {{{"dsn", dsn}, {"offsets_table", "x; drop table y"}}, "offsets_table"},
      {{{"dsn", dsn}, {"auto_evolve", "yes"}}, "auto_evolve"},
      {{{"dsn", dsn}, {"on_schema_drift", "ignore"}}, "on_schema_drift"},
      {{{"dsn", dsn}, {"url", "x"}}, "url: not a setting of postgres sinks"},
  };
  for (const Case& c : cases) {
    Result<PostgresSinkSettings> s = ParsePostgresSinkSettings(Spec(c.settings));
    ASSERT_FALSE(s.ok()) << c.want;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(c.want));
    EXPECT_THAT(std::string(s.status().message()), Not(HasSubstr("secret")));
  }
}

TEST(PostgresSettingsTest, NeedsTheConsumerGroup) {
  Result<PostgresSinkSettings> s = ParsePostgresSinkSettings(Spec({{"dsn", "host=x"}}, ""));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("group.id"));
}

}  // namespace
}  // namespace fanout
