#include "config/env_substitution.h"

#include <gtest/gtest.h>

namespace fanout::config {
namespace {

EnvLookup Env() {
  return [](std::string_view name) -> std::optional<std::string> {
    if (name == "HOST") return std::string("db.local");
    if (name == "EMPTY") return std::string();
    return std::nullopt;
  };
}

TEST(EnvSubstitutionTest, ReplacesReferencesAndDefaults) {
  EXPECT_EQ(SubstituteEnv("plain", Env()).value(), "plain");
  EXPECT_EQ(SubstituteEnv("${HOST}:5432", Env()).value(), "db.local:5432");
  EXPECT_EQ(SubstituteEnv("${NOPE:-fallback}", Env()).value(), "fallback");
  EXPECT_EQ(SubstituteEnv("${HOST:-fallback}", Env()).value(), "db.local");
  EXPECT_EQ(SubstituteEnv("${EMPTY:-x}", Env()).value(), "") << "set but empty is set";
  EXPECT_EQ(SubstituteEnv("cost $$5 and $ alone", Env()).value(), "cost $5 and $ alone");
}

TEST(EnvSubstitutionTest, ErrorsNameTheVariable) {
  Result<std::string> unset = SubstituteEnv("${NOPE}", Env());
  ASSERT_FALSE(unset.ok());
  EXPECT_NE(unset.status().message().find("NOPE is not set"), std::string_view::npos);
  EXPECT_FALSE(SubstituteEnv("${HOST", Env()).ok());
  EXPECT_FALSE(SubstituteEnv("${1BAD}", Env()).ok());
  EXPECT_FALSE(SubstituteEnv("${}", Env()).ok());
}

}  // namespace
}  // namespace fanout::config
