// The idempotency-key stores against the stack's real servers: Redis (FANOUT_REDIS_URL) and the
// replica PostgreSQL (FANOUT_REPLICA_PG_URL). Every run uses its own key prefix (and, for
// PostgreSQL, its own table), so parallel runs do not collide.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "dedup/idempotency_store.h"
#include "dedup/postgres_store.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace fanout {
namespace {

using ::testing::ElementsAre;
using namespace std::chrono_literals;

std::string RunId() {
  return std::to_string(::getpid()) + "_" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000000);
}

std::vector<std::string> K(std::initializer_list<std::string> keys) { return keys; }

enum class Kind { kRedis, kPostgres };

class IdempotencyStoreTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    run_ = RunId();
    if (GetParam() == Kind::kRedis) {
      store_ = Make("it-" + run_);
    } else {
      table_ = "fanout_idem_it_" + run_;
      store_ = Make("it-" + run_);
    }
    ASSERT_NE(store_, nullptr);
    const Status started = store_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  void TearDown() override {
    if (!table_.empty()) {
      testing::Postgres pg(testing::RequireEnv("FANOUT_REPLICA_PG_URL"));
      pg.Exec("DROP TABLE IF EXISTS " + table_, /*must_succeed=*/false);
    }
  }

  std::unique_ptr<IdempotencyStore> Make(const std::string& prefix) {
    Result<std::unique_ptr<IdempotencyStore>> store = InvalidArgument("unset");
    if (GetParam() == Kind::kRedis) {
      SinkSpec spec{"cache", "redis", {{"url", testing::RequireEnv("FANOUT_REDIS_URL")}}, {}};
      store = CreateIdempotencyStore(spec, prefix);
    } else {
      PostgresStoreOptions options;
      options.dsn = testing::RequireEnv("FANOUT_REPLICA_PG_URL");
      options.table = table_;
      options.key_prefix = prefix;
      store = CreatePostgresIdempotencyStore(std::move(options));
    }
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::vector<bool> Contains(IdempotencyStore& store, const std::vector<std::string>& keys) {
    Result<std::vector<bool>> found = store.Contains(keys);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    return found.ok() ? *found : std::vector<bool>{};
  }

  std::string run_;
  std::string table_;
  std::unique_ptr<IdempotencyStore> store_;
};

TEST_P(IdempotencyStoreTest, RecordedKeysAreFoundAndOthersAreNot) {
  const std::vector<std::string> keys = {"billing:pg:100:99:u:0123456789abcdef",
                                         "billing:pg:100:99:d:fedcba9876543210"};
  EXPECT_THAT(Contains(*store_, keys), ElementsAre(false, false));
  ASSERT_TRUE(store_->Record(K({keys[0]}), 1h).ok());
  EXPECT_THAT(Contains(*store_, keys), ElementsAre(true, false));
  ASSERT_TRUE(store_->Record(keys, 1h).ok());  // one known, one new: both recorded
  EXPECT_THAT(Contains(*store_, keys), ElementsAre(true, true));
  EXPECT_THAT(Contains(*store_, {}), ElementsAre());
}

TEST_P(IdempotencyStoreTest, KeysOfAnyBytesAndLargeBatches) {
  std::vector<std::string> keys = {
      "a\"b", "back\\slash", "comma,brace{}", "space key", "ünï", "NULL", ""};
  for (int i = 0; i < 2000; ++i) keys.push_back("bulk:" + std::to_string(i));
  std::vector<std::string> recorded;
  for (std::size_t i = 0; i < keys.size(); i += 2) recorded.push_back(keys[i]);
  recorded.push_back(keys[0]);  // a key twice in one Record
  ASSERT_TRUE(store_->Record(recorded, 1h).ok());
  const std::vector<bool> found = Contains(*store_, keys);
  ASSERT_EQ(found.size(), keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(found[i], i % 2 == 0) << keys[i];
}

TEST_P(IdempotencyStoreTest, StoresWithOtherPrefixesDoNotSeeTheKeys) {
  ASSERT_TRUE(store_->Record(K({"shared-key"}), 1h).ok());
  std::unique_ptr<IdempotencyStore> other = Make("other-" + run_);
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->Start().ok());
  EXPECT_THAT(Contains(*other, {"shared-key"}), ElementsAre(false));
  EXPECT_THAT(Contains(*store_, {"shared-key"}), ElementsAre(true));
}

TEST_P(IdempotencyStoreTest, KeysExpireAfterTheirTtl) {
  ASSERT_TRUE(store_->Record(K({"short"}), 1500ms).ok());
  ASSERT_TRUE(store_->Record(K({"long"}), 1h).ok());
  EXPECT_THAT(Contains(*store_, {"short", "long"}), ElementsAre(true, true));
  std::this_thread::sleep_for(2s);  // past the 1.5 s TTL, the point of the test
  EXPECT_THAT(Contains(*store_, {"short", "long"}), ElementsAre(false, true));
  // Recorded again after it expired (a re-emission delivered again): remembered again.
  ASSERT_TRUE(store_->Record(K({"short"}), 1h).ok());
  EXPECT_THAT(Contains(*store_, {"short"}), ElementsAre(true));
}

TEST_P(IdempotencyStoreTest, ARecordAgainKeepsTheFirstExpiry) {
  ASSERT_TRUE(store_->Record(K({"first"}), 1500ms).ok());
  ASSERT_TRUE(store_->Record(K({"first"}), 1h).ok());  // not expired: left as it is
  std::this_thread::sleep_for(2s);  // past the first 1.5 s TTL, the point of the test
  EXPECT_THAT(Contains(*store_, {"first"}), ElementsAre(false));
}

TEST_P(IdempotencyStoreTest, RetentionRemovesExpiredKeysFromTheServer) {
  ASSERT_TRUE(store_->Record(K({"gone-1", "gone-2"}), 1s).ok());
  ASSERT_TRUE(store_->Record(K({"kept"}), 1h).ok());
  std::this_thread::sleep_for(1500ms);  // past the 1 s TTL: Purge must find them expired
  Result<std::size_t> purged = store_->Purge();
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  if (GetParam() == Kind::kPostgres) {
    EXPECT_EQ(*purged, 2u);
    testing::Postgres pg(testing::RequireEnv("FANOUT_REPLICA_PG_URL"));
    EXPECT_EQ(pg.Scalar("SELECT string_agg(key, ',') FROM " + table_), "it-" + run_ + ":kept");
  } else {
    EXPECT_EQ(*purged, 0u);  // Redis expires keys itself
    testing::RedisClient redis;
    const std::string prefix = "fanout:idempotency:it-" + run_ + ":";
    std::optional<testing::Reply> gone = redis.Run({"EXISTS", prefix + "gone-1"});
    ASSERT_TRUE(gone.has_value());
    EXPECT_EQ(gone->integer, 0);
    std::optional<testing::Reply> ttl = redis.Run({"PTTL", prefix + "kept"});
    ASSERT_TRUE(ttl.has_value());
    EXPECT_GT(ttl->integer, 3500 * 1000);  // set with the key, about an hour
    EXPECT_LE(ttl->integer, 3600 * 1000);
  }
}

TEST_P(IdempotencyStoreTest, AServerThatCannotBeReachedIsUnavailable) {
  Result<std::unique_ptr<IdempotencyStore>> store = InvalidArgument("unset");
  if (GetParam() == Kind::kRedis) {
    store = CreateIdempotencyStore(
        SinkSpec{"cache", "redis", {{"url", "redis://127.0.0.1:1/0"}, {"timeout", "2s"}}, {}}, "x");
  } else {
    store = CreateIdempotencyStore(
        SinkSpec{"replica", "postgres", {{"dsn", "postgresql://postgres@127.0.0.1:1/replica"}}, {}},
        "x");
  }
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->Start().code(), StatusCode::kUnavailable);
  EXPECT_EQ((*store)->Contains(K({"k"})).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ((*store)->Record(K({"k"}), 1h).code(), StatusCode::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Stores, IdempotencyStoreTest,
                         ::testing::Values(Kind::kRedis, Kind::kPostgres),
                         [](const ::testing::TestParamInfo<Kind>& p) {
                           return p.param == Kind::kRedis ? "Redis" : "Postgres";
                         });

TEST(PostgresIdempotencyStoreTest, RefusedCredentialsAreNotRetried) {
  PostgresStoreOptions options;
  options.dsn = testing::RequireEnv("FANOUT_REPLICA_PG_URL");
  options.table = "fanout_idem_it_nodb_" + RunId();
  // A database that does not exist: retrying would never help.
  const std::string url = options.dsn;
  options.dsn = url.substr(0, url.rfind('/')) + "/no_such_database_" + RunId();
  Result<std::unique_ptr<IdempotencyStore>> store =
      CreatePostgresIdempotencyStore(std::move(options));
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->Start().code(), StatusCode::kFailedPrecondition);
}

TEST(PostgresIdempotencyStoreTest, SettingsAreChecked) {
  PostgresStoreOptions options;
  EXPECT_FALSE(CreatePostgresIdempotencyStore(options).ok());  // no dsn
  options.dsn = "host=127.0.0.1";
  options.table = "bad;table";
  EXPECT_FALSE(CreatePostgresIdempotencyStore(options).ok());
  EXPECT_FALSE(CreateIdempotencyStore(SinkSpec{"search", "elasticsearch", {}, {}}, "x").ok());
}

}  // namespace
}  // namespace fanout
