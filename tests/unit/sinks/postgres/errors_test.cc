#include "sinks/postgres/errors.h"

#include <gtest/gtest.h>

namespace fanout {
namespace {

TEST(PostgresErrorsTest, SqlStateClasses) {
  struct Case {
    const char* sqlstate;
    ActionOutcome want;
  };
  const Case cases[] = {
      {"23502", ActionOutcome::kBadRecord},    // not_null_violation
      {"23505", ActionOutcome::kBadRecord},    // unique_violation
      {"22P02", ActionOutcome::kBadRecord},    // invalid_text_representation
      {"22003", ActionOutcome::kBadRecord},    // numeric_value_out_of_range
      {"42703", ActionOutcome::kBadRecord},    // undefined_column
      {"42P01", ActionOutcome::kBadRecord},    // undefined_table
      {"0A000", ActionOutcome::kBadRecord},    // feature_not_supported
      {"40001", ActionOutcome::kRetry},        // serialization_failure
      {"40P01", ActionOutcome::kRetry},        // deadlock_detected
      {"55P03", ActionOutcome::kRetry},        // lock_not_available
      {"57014", ActionOutcome::kRetry},        // query_canceled (statement_timeout)
      {"53200", ActionOutcome::kRetry},        // out_of_memory
      {"XX000", ActionOutcome::kRetry},        // internal_error
      {"08006", ActionOutcome::kUnavailable},  // connection_failure
      {"57P01", ActionOutcome::kUnavailable},  // admin_shutdown
      {"57P03", ActionOutcome::kUnavailable},  // cannot_connect_now
      {"53300", ActionOutcome::kUnavailable},  // too_many_connections
      {"28P01", ActionOutcome::kFatal},        // invalid_password
      {"3D000", ActionOutcome::kFatal},        // invalid_catalog_name
      {"42501", ActionOutcome::kFatal},        // insufficient_privilege
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ClassifySqlState(c.sqlstate, "m").outcome, c.want) << c.sqlstate;
  }
}

TEST(PostgresErrorsTest, MessageCarriesSqlStateOnOneLine) {
  ActionResult r = ClassifySqlState(
      "23502", "null value in column \"email\" of relation \"t\" violates not-null constraint\n");
  EXPECT_EQ(r.message,
            "SQLSTATE 23502: null value in column \"email\" of relation \"t\" violates not-null "
            "constraint");
  EXPECT_TRUE(IsBadRecordSqlState("23502"));
  EXPECT_FALSE(IsBadRecordSqlState("40001"));
}

TEST(PostgresErrorsTest, ConnectionFailures) {
  EXPECT_EQ(ClassifyConnectionFailure("connection to server at \"127.0.0.1\", port 1 failed: "
                                      "Connection refused")
                .outcome,
            ActionOutcome::kUnavailable);
  EXPECT_EQ(
      ClassifyConnectionFailure("FATAL:  password authentication failed for user \"x\"").outcome,
      ActionOutcome::kFatal);
  EXPECT_EQ(ClassifyConnectionFailure("FATAL:  database \"nope\" does not exist").outcome,
            ActionOutcome::kFatal);
  EXPECT_EQ(PostgresStartStatus(ActionResult::Unavailable("x")).code(), StatusCode::kUnavailable);
  EXPECT_EQ(PostgresStartStatus(ActionResult::Fatal("x")).code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace fanout

namespace fanout {
namespace {

TEST(PostgresErrorsTest, RowValuesQuotedByTheServerAreLeftOut) {
  const std::string sql = R"(INSERT INTO "public"."users" ("id", "email") VALUES ($1::int4, $2))";
  const std::string none[] = {""};
  EXPECT_EQ(WithoutRowValues(R"(invalid input syntax for type integer: "4O2")", sql, none),
            "invalid input syntax for type integer: \"…\"");
  EXPECT_EQ(
      WithoutRowValues(R"(null value in column "email" of relation "users" violates)", sql, none),
      R"(null value in column "email" of relation "users" violates)");
  const std::string constraint[] = {"users_email_key"};
  EXPECT_EQ(WithoutRowValues(R"(duplicate key value violates unique constraint "users_email_key")",
                             sql, constraint),
            R"(duplicate key value violates unique constraint "users_email_key")");
  EXPECT_EQ(WithoutRowValues(R"(value "a""b" is out of range, and "open)", sql, none),
            "value \"…\" is out of range, and \"…");
}

}  // namespace
}  // namespace fanout
