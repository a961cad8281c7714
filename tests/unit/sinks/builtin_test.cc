// The built-in sink types and their specs (sinks/<type>/spec.cc), as registered by
// RegisterBuiltinSinks: what validation, the sinks' settings and docs/CONFIG.md all read.
#include "sinks/builtin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace fanout {
namespace {

using ::testing::ElementsAre;

const config::SinkTypeSpec& Type(std::string_view name) {
  for (const config::SinkTypeSpec* type : BuiltinSinkTypes()) {
    if (type->type == name) return *type;
  }
  ADD_FAILURE() << "no sink type " << name;
  return *BuiltinSinkTypes().front();
}

const config::FieldSpec& Setting(std::string_view type, std::string_view key) {
  const std::vector<config::FieldSpec>& settings = Type(type).settings;
  auto it = std::find_if(settings.begin(), settings.end(),
                         [key](const config::FieldSpec& f) { return f.name == key; });
  EXPECT_NE(it, settings.end()) << type << "." << key;
  return *it;
}

TEST(BuiltinSinksTest, EveryTypeIsRegisteredWithItsSpecAndAsyncOnesWithAFactory) {
  std::vector<std::string_view> names;
  for (const config::SinkTypeSpec* type : BuiltinSinkTypes()) names.push_back(type->type);
  EXPECT_THAT(names,
              ElementsAre("redis", "elasticsearch", "postgres", "kafka", "http", "clickhouse"));
  SinkRegistry registry;
  ASSERT_TRUE(RegisterBuiltinSinks(registry).ok());
  EXPECT_TRUE(registry.Has("redis"));
  EXPECT_TRUE(registry.Has("http"));
  EXPECT_TRUE(registry.Has("clickhouse"));
  EXPECT_FALSE(registry.Has("kafka")) << "written by the consume loop, not a factory";
  EXPECT_EQ(RegisterBuiltinSinks(registry).code(), StatusCode::kAlreadyExists);
}

TEST(BuiltinSinksTest, EverySpecReadsItsOwnDefaults) {
  for (const config::SinkTypeSpec* type : BuiltinSinkTypes()) {
    Result<config::SettingValues> settings =
        config::ReadSettings(type->settings, {}, std::string(type->type) + " sinks");
    EXPECT_TRUE(settings.ok()) << type->type << ": " << settings.status().ToString();
    Result<config::SettingValues> routes =
        config::ReadSettings(type->route_keys, {}, std::string(type->type) + " routes");
    EXPECT_TRUE(routes.ok()) << type->type << ": " << routes.status().ToString();
  }
}

// Each sink states its real range and default, where one central spec once said 1-100000 and
// 500 for all.
TEST(BuiltinSinksTest, EachSinkStatesItsOwnBatchSize) {
  EXPECT_EQ(Setting("elasticsearch", "batch_size").max, 10000);
  EXPECT_EQ(Setting("elasticsearch", "batch_size").default_value, "500");
  EXPECT_EQ(Setting("http", "batch_size").default_value, "1");
  EXPECT_EQ(Setting("http", "batch_size").max, 100000);
  EXPECT_EQ(Setting("redis", "batch_size").default_value, "500");
  EXPECT_EQ(Setting("postgres", "timeout").max, 2147483647) << "statement_timeout is an int";
  EXPECT_EQ(Setting("redis", "timeout").min, 1) << "a timeout is above zero";
  EXPECT_EQ(Setting("clickhouse", "batch_size").default_value, "5000");
  EXPECT_EQ(Setting("clickhouse", "batch_size").max, 100000);
}

TEST(BuiltinSinksTest, TheAssembledSpecMergesKeysSeveralTypesDeclare) {
  const config::SinkTypes types = BuiltinSinkTypes();
  const config::FieldSpec spec = config::ConfigSpec(types);
  auto child = [](const config::FieldSpec& parent, std::string_view name) {
    auto it = std::find_if(parent.children.begin(), parent.children.end(),
                           [name](const config::FieldSpec& f) { return f.name == name; });
    EXPECT_NE(it, parent.children.end()) << name;
    return *it;
  };
  const config::FieldSpec sinks = child(spec, "sinks");
  EXPECT_THAT(child(sinks, "type").values,
              ElementsAre("redis", "elasticsearch", "postgres", "kafka", "http", "clickhouse"));
  EXPECT_THAT(child(sinks, "batch_size").sink_types,
              ElementsAre("redis", "elasticsearch", "postgres", "kafka", "http", "clickhouse"));
  EXPECT_THAT(child(sinks, "dsn").sink_types, ElementsAre("postgres"));
  const config::FieldSpec routes = child(spec, "routes");
  EXPECT_THAT(child(routes, "value").sink_types, ElementsAre("kafka", "http"));
  EXPECT_THAT(child(routes, "dedup").sink_types,
              ElementsAre("redis", "elasticsearch", "postgres", "http"));
  EXPECT_TRUE(child(routes, "name").sink_types.empty());
}

}  // namespace
}  // namespace fanout
