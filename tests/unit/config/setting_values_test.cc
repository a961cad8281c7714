// ParseScalar and ReadSettings (config/spec.h): the one parser of scalar values, shared by the
// YAML validator and the sinks' settings.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/spec.h"

namespace fanout::config {
namespace {

using ::testing::HasSubstr;

std::vector<FieldSpec> Fields() {
  return {
      {.name = "url", .type = FieldType::kString},
      {.name = "pool_size",
       .type = FieldType::kInteger,
       .default_value = "4",
       .min = 1,
       .max = 256},
      {.name = "timeout", .type = FieldType::kDuration, .default_value = "10s", .min = 1},
      {.name = "verify", .type = FieldType::kBoolean, .default_value = "true"},
      {.name = "mode", .type = FieldType::kEnum, .default_value = "a", .values = {"a", "b"}},
  };
}

std::string Error(const FieldSpec& field, std::string_view text) {
  Result<SettingValue> value = ParseScalar(field, text);
  EXPECT_FALSE(value.ok()) << text;
  return value.ok() ? "" : std::string(value.status().message());
}

TEST(SettingValuesTest, ParseScalarReadsEachTypeWithinItsBounds) {
  const std::vector<FieldSpec> fields = Fields();
  EXPECT_EQ(std::get<std::int64_t>(ParseScalar(fields[1], "256").value()), 256);
  EXPECT_EQ(Error(fields[1], "257"), "must be between 1 and 256");
  EXPECT_EQ(Error(fields[1], "4x"), "expected an integer");
  EXPECT_EQ(std::get<std::chrono::milliseconds>(ParseScalar(fields[2], "2m").value()),
            std::chrono::minutes(2));
  EXPECT_EQ(Error(fields[2], "0s"), "the duration must be above zero");
  FieldSpec bounded = fields[2];
  bounded.max = 1000;
  EXPECT_THAT(Error(bounded, "2s"), HasSubstr("at most 1000ms"));
  EXPECT_FALSE(std::get<bool>(ParseScalar(fields[3], "false").value()));
  EXPECT_EQ(Error(fields[3], "no"), "expected true or false");
  EXPECT_EQ(Error(fields[4], "c"), "expected one of: a, b");
  FieldSpec required = fields[0];
  required.required = true;
  EXPECT_EQ(Error(required, ""), "must not be empty");
  EXPECT_THAT(Error(fields[1], "hunter2"), ::testing::Not(HasSubstr("hunter2")));
}

TEST(SettingValuesTest, ReadSettingsFillsDefaultsFromTheSpec) {
  Result<SettingValues> values =
      ReadSettings(Fields(), {{"url", "redis://h"}, {"pool_size", "8"}}, "test sinks");
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_TRUE(values->Has("url"));
  EXPECT_EQ(values->String("url"), "redis://h");
  EXPECT_EQ(values->Integer("pool_size"), 8);
  EXPECT_FALSE(values->Has("timeout"));
  EXPECT_EQ(values->Duration("timeout"), std::chrono::seconds(10)) << "the spec's default";
  EXPECT_TRUE(values->Boolean("verify"));
  EXPECT_EQ(values->String("mode"), "a");
}

TEST(SettingValuesTest, AnEmptyValueMeansTheDefault) {
  Result<SettingValues> values = ReadSettings(Fields(), {{"pool_size", ""}}, "test sinks");
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(values->Integer("pool_size"), 4);
}

TEST(SettingValuesTest, ReadSettingsNamesTheKeyAtFault) {
  auto error = [](std::vector<std::pair<std::string, std::string>> written) {
    Result<SettingValues> values = ReadSettings(Fields(), written, "test sinks");
    EXPECT_FALSE(values.ok());
    return values.ok() ? "" : std::string(values.status().message());
  };
  EXPECT_EQ(error({{"dsn", "x"}}), "dsn: not a setting of test sinks");
  EXPECT_EQ(error({{"pool_size", "0"}}), "pool_size: must be between 1 and 256");
  EXPECT_EQ(error({{"mode", "z"}}), "mode: expected one of: a, b");
}

}  // namespace
}  // namespace fanout::config
