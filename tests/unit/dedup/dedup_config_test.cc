// A route's `dedup: { store, ttl }` in fanout.yaml: what is read, and every mistake reported with
// file:line:col.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/loader.h"
#include "sinks/builtin.h"

namespace fanout::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> ErrorLines(const LoadResult& result) {
  std::vector<std::string> lines;
  for (const ConfigError& error : result.errors) lines.push_back(ToString(error));
  return lines;
}

LoadResult Load(const std::string& routes) {
  return LoadConfigText(R"(version: 1
kafka: { bootstrap.servers: "127.0.0.1:1", group.id: g }
source: { topics: [t] }
sinks:
  svc: { type: http, url: "http://127.0.0.1:1/cdc" }
  keys: { type: redis, url: "redis://127.0.0.1:1/0" }
  replica: { type: postgres, dsn: "host=127.0.0.1" }
  search: { type: elasticsearch, url: "http://127.0.0.1:1" }
  events: { type: kafka }
routes:
)" + routes,
                        "f.yaml", BuiltinSinkTypes(),
                        [](std::string_view) { return std::nullopt; });
}

TEST(DedupConfigTest, ReadsStoreAndTtl) {
  LoadResult result = Load(R"(  - { name: a, to: svc, dedup: { store: keys, ttl: 7d } }
  - { name: b, to: svc, dedup: { store: replica } }
  - { name: c, to: svc }
)");
  ASSERT_THAT(ErrorLines(result), IsEmpty());
  const std::vector<RouteConfig>& routes = result.config.routes;
  ASSERT_EQ(routes.size(), 3u);
  ASSERT_TRUE(routes[0].dedup.has_value());
  EXPECT_EQ(routes[0].dedup->store, "keys");
  EXPECT_EQ(routes[0].dedup->ttl, std::chrono::hours(7 * 24));
  ASSERT_TRUE(routes[1].dedup.has_value());
  EXPECT_EQ(routes[1].dedup->store, "replica");
  EXPECT_EQ(routes[1].dedup->ttl, std::chrono::hours(7 * 24));  // the default
  EXPECT_FALSE(routes[2].dedup.has_value());
}

TEST(DedupConfigTest, ReportsEveryMistakeWithItsPlace) {
  LoadResult result = Load(R"(  - { name: a, to: svc, dedup: { store: nowhere } }
  - { name: b, to: svc, dedup: { store: search } }
  - { name: c, to: svc, dedup: { ttl: 1h } }
  - { name: d, to: svc, dedup: { store: keys, ttl: 1week } }
  - { name: e, to: svc, dedup: { store: keys, size: 3 } }
  - { name: f, to: events, topic: x, dedup: { store: keys } }
)");
  EXPECT_THAT(
      ErrorLines(result),
      ElementsAre(
          "f.yaml:11:41: routes[0].dedup.store: no sink named 'nowhere'",
          "f.yaml:12:41: routes[1].dedup.store: sink 'search' has type elasticsearch; "
          "idempotency keys live in a redis or postgres sink",
          "f.yaml:13:32: routes[2].dedup.store: required key 'store' is missing: A sink of type "
          "`redis` or `postgres` whose connection (`url` and credentials, or `dsn`) holds the "
          "keys: Redis keys `fanout:idempotency:<group.id>:<key>` with a TTL, or the table "
          "`fanout_idempotency_keys` (created if missing).",
          "f.yaml:14:52: routes[3].dedup.ttl: expected a duration such as 250ms, 1s, 5m, 1h or 7d",
          "f.yaml:15:47: routes[4].dedup.size: unknown key 'size' (known keys: store, ttl)",
          "f.yaml:16:45: routes[5].dedup: 'dedup' applies to redis, elasticsearch, postgres, "
          "http sinks, not to a kafka sink"));
}

}  // namespace
}  // namespace fanout::config
