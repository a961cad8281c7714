#include "config/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "sinks/builtin.h"

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
  LoadResult result =
      LoadConfigText(R"(version: 1
kafka:
  bootstrap.servers: ${BOOT}
  group.id: fanout-test
source:
  topics: ["^inv\\.public\\..*", "other"]
processing: { commit_interval: 250ms, max_batch: 500 }
logging: { level: debug, progress_interval: 2s }
)",
                     "f.yaml", BuiltinSinkTypes(), FakeEnv({{"BOOT", "127.0.0.1:19092"}}));
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
rotues: []
)",
                                     "bad.yaml", BuiltinSinkTypes(), FakeEnv({}));
  EXPECT_FALSE(result.ok());
  EXPECT_THAT(
      ErrorLines(result),
      ElementsAre("bad.yaml:1:10: version: must be between 1 and 1",
                  HasSubstr("bad.yaml:3:22: kafka.bootstrap.servers: environment variable "
                            "MISSING is not set"),
                  HasSubstr("bad.yaml:5:12: source.topics[0]: invalid regular expression"),
                  "bad.yaml:6:3: source.topcs: unknown key 'topcs'; did you mean 'topics'?",
                  HasSubstr("bad.yaml:8:20: processing.commit_interval: expected a duration"),
                  "bad.yaml:9:14: processing.max_batch: expected an integer",
                  HasSubstr("bad.yaml:10:19: logging.level: expected one of: trace"),
                  HasSubstr("bad.yaml:11:1: rotues: unknown key 'rotues'")));
}

TEST(LoaderTest, MissingRequiredSections) {
  LoadResult result = LoadConfigText("processing: {}\n", "m.yaml", BuiltinSinkTypes(), FakeEnv({}));
  EXPECT_THAT(ErrorLines(result),
              ElementsAre(HasSubstr("version: required"), HasSubstr("kafka: required"),
                          HasSubstr("source: required")));
}

TEST(LoaderTest, YamlSyntaxErrorHasALocation) {
  LoadResult result =
      LoadConfigText("version: 1\nkafka: [unclosed\n", "s.yaml", BuiltinSinkTypes(), FakeEnv({}));
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_THAT(ToString(result.errors[0]), HasSubstr("YAML syntax error"));
  EXPECT_GT(result.errors[0].location.line, 0);
}

TEST(LoaderTest, EmptyFileIsAnError) {
  LoadResult result = LoadConfigText("", "e.yaml", BuiltinSinkTypes(), FakeEnv({}));
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_THAT(result.errors[0].message, HasSubstr("empty"));
}

// yaml-cpp throws on operator[] of a scalar: `processing` and `logging` were read as mappings
// whatever they were, and the exception ended `fanout validate` (found by tests/fuzz/config_fuzz).
TEST(LoaderTest, ScalarSectionsAreReportedNotThrown) {
  LoadResult result = LoadConfigText(R"(version: 1
kafka: { bootstrap.servers: x, group.id: g }
source: { topics: t }
processing: fast
logging: debug
)",
                                     "s.yaml", BuiltinSinkTypes(), FakeEnv({}));
  EXPECT_THAT(ErrorLines(result), ElementsAre("s.yaml:4:13: processing: expected a mapping",
                                              "s.yaml:5:10: logging: expected a mapping"));
}

// std::regex compiles recursively: a long enough topic regex overflowed the stack.
TEST(LoaderTest, OverlongTopicRegexIsAnError) {
  const std::string config =
      "version: 1\nkafka: { bootstrap.servers: x, group.id: g }\n"
      "source: { topics: ['^" +
      std::string(50000, '(') + "a" + std::string(50000, ')') + "'] }\n";
  EXPECT_THAT(ErrorLines(LoadConfigText(config, "r.yaml", BuiltinSinkTypes(), FakeEnv({}))),
              ElementsAre(HasSubstr("r.yaml:3:20: source.topics[0]: a topic regex longer than "
                                    "4096 bytes is not accepted")));
}

constexpr const char* kFullConfig = R"(version: 1
kafka: { bootstrap.servers: "127.0.0.1:19092", group.id: g }
source: { topics: '^inv\.public\..*' }
processing: { guarantee: at_least_once, max_in_flight: 500 }
sinks:
  cache: { type: redis, url: "redis://127.0.0.1:16379/0", password: "${REDIS_PW:-}" }
  search: { type: elasticsearch, url: "http://127.0.0.1:19200", timeout: 5s }
  events: { type: kafka, properties: { linger.ms: "5" }, batch_size: 100 }
routes:
  - name: customer-cache
    from: public.customers
    ops: [u, delete]
    to: cache
    invalidate: ["customer:{id}", "customer:email:{email}"]
    retry: { max_attempts: 3 }
  - name: product-search
    from: [public.products, '^public\.sku_.*']
    to: search
    index: products
    exclude: [cost]
    rename: { name: title }
    delete_mode: soft
    on_exhausted: block
  - name: order-events
    to: events
    topic: "orders.{op}"
retry: { max_attempts: 7, backoff: 50ms..5s, max_elapsed: 1m }
dead_letter: { topic: my.dlq }
)";

TEST(LoaderTest, LoadsSinksAndRoutes) {
  LoadResult result = LoadConfigText(kFullConfig, "full.yaml", BuiltinSinkTypes(), FakeEnv({}));
  ASSERT_TRUE(result.ok()) << ErrorLines(result)[0];
  const Config& config = result.config;
  EXPECT_FALSE(config.processing.exactly_once);
  EXPECT_EQ(config.processing.max_in_flight, 500u);
  EXPECT_EQ(config.processing.max_in_flight_bytes, std::size_t{32} << 20) << "the default";
  EXPECT_THAT(config.source.topics, ElementsAre("^inv\\.public\\..*"));
  ASSERT_EQ(config.sinks.size(), 3u);
  EXPECT_EQ(config.sinks[0].name, "cache");
  EXPECT_EQ(config.sinks[0].type, "redis");
  EXPECT_THAT(config.sinks[0].settings,
              ElementsAre(std::pair<std::string, std::string>("url", "redis://127.0.0.1:16379/0"),
                          std::pair<std::string, std::string>("password", "")));
  ASSERT_NE(config.FindSink("events"), nullptr);
  EXPECT_THAT(config.FindSink("events")->properties,
              ElementsAre(std::pair<std::string, std::string>("linger.ms", "5")));

  ASSERT_EQ(config.routes.size(), 3u);
  const RouteConfig& cache = config.routes[0];
  EXPECT_EQ(cache.spec.name, "customer-cache");
  EXPECT_EQ(cache.spec.sink, "cache");
  EXPECT_THAT(cache.spec.tables, ElementsAre("public.customers"));
  EXPECT_THAT(cache.spec.ops, ElementsAre(Op::kUpdate, Op::kDelete));
  EXPECT_THAT(
      cache.spec.templates,
      ElementsAre(std::pair<std::string, std::string>("invalidate", "customer:{id}"),
                  std::pair<std::string, std::string>("invalidate", "customer:email:{email}")));
  EXPECT_EQ(cache.retry.max_attempts, 3) << "the route's own value";
  EXPECT_EQ(cache.retry.max_backoff, std::chrono::seconds(5)) << "inherited from retry:";
  EXPECT_EQ(cache.retry.on_exhausted, OnExhaustedAction::kDeadLetter);

  const RouteConfig& search = config.routes[1];
  EXPECT_THAT(search.spec.tables, ElementsAre("public.products", "^public\\.sku_.*"));
  EXPECT_THAT(search.spec.projection.exclude, ElementsAre("cost"));
  EXPECT_THAT(search.spec.projection.rename,
              ElementsAre(std::pair<std::string, std::string>("name", "title")));
  EXPECT_THAT(search.options,
              ElementsAre(std::pair<std::string, std::string>("delete_mode", "soft")));
  EXPECT_EQ(search.retry.on_exhausted, OnExhaustedAction::kBlock);
  EXPECT_EQ(search.retry.max_attempts, 7);

  EXPECT_TRUE(config.routes[2].spec.tables.empty());
  EXPECT_EQ(config.dead_letter.topic, "my.dlq");
  EXPECT_EQ(config.retry.initial_backoff, std::chrono::milliseconds(50));
  EXPECT_EQ(config.retry.max_elapsed, std::chrono::minutes(1));
}

TEST(LoaderTest, RouteAndSinkMistakesAreAllReported) {
  LoadResult result = LoadConfigText(R"(version: 1
kafka: { bootstrap.servers: x, group.id: g }
source: { topics: [t] }
sinks:
  cache: { type: redis, url: "redis://x", dsn: "postgres://x" }
  search: { type: opensearch }
  pg: { type: postgres }
routes:
  - name: a
    to: cache
    index: products
  - name: a
    to: nowhere
    ops: [insert]
  - to: pg
    table: public.t
    retry: { backoff: 30s..1s }
    on_exhausted: ignore
)",
                                     "r.yaml", BuiltinSinkTypes(), FakeEnv({}));
  EXPECT_THAT(
      ErrorLines(result),
      ElementsAre(
          "r.yaml:5:48: sinks.cache.dsn: 'dsn' applies to postgres sinks, not to a redis sink",
          HasSubstr("r.yaml:6:19: sinks.search.type: expected one of: redis, elasticsearch"),
          "r.yaml:9:5: routes[0]: a route to a redis sink needs invalidate or upsert or publish",
          "r.yaml:11:12: routes[0].index: 'index' applies to elasticsearch sinks, not to a "
          "redis sink",
          "r.yaml:12:11: routes[1].name: route name 'a' is used twice",
          "r.yaml:13:9: routes[1].to: no sink named 'nowhere' (sinks: cache, pg, search)",
          HasSubstr("r.yaml:14:11: routes[1].ops[0]: unknown op 'insert'"),
          HasSubstr("r.yaml:15:5: routes[2].name: required key 'name' is missing"),
          HasSubstr("r.yaml:17:23: routes[2].retry.backoff: the initial backoff must be"),
          HasSubstr("r.yaml:18:19: routes[2].on_exhausted: expected one of: dead_letter")));
}

// A sink or a route to it is checked against its own type's keys (sinks/<type>/spec.cc), and a
// misspelt key gets the nearest one.
TEST(LoaderTest, SinkAndRouteKeysComeFromTheirTypeWithSuggestions) {
  LoadResult result = LoadConfigText(R"(version: 1
kafka: { bootstrap.servers: x, group.id: g }
source: { topics: [t] }
sinks:
  cache: { type: redis, url: "redis://x", pool_sise: 2 }
  search: { type: elasticsearch, url: "http://x", batch_size: 20000 }
  hook: { type: http, url: "http://x", batch_size: 20000 }
routes:
  - { name: a, to: cache, invalidat: "k:{id}" }
)",
                                     "k.yaml", BuiltinSinkTypes(), FakeEnv({}));
  EXPECT_THAT(ErrorLines(result),
              ElementsAre("k.yaml:5:43: sinks.cache.pool_sise: unknown key 'pool_sise'; did you "
                          "mean 'pool_size'?",
                          "k.yaml:6:63: sinks.search.batch_size: must be between 1 and 10000",
                          "k.yaml:9:5: routes[0]: a route to a redis sink needs invalidate or "
                          "upsert or publish",
                          "k.yaml:9:27: routes[0].invalidat: unknown key 'invalidat'; did you "
                          "mean 'invalidate'?"));
}

TEST(LoaderTest, ExpressionErrorsPointAtTheCharacter) {
  LoadResult result = LoadConfigText(R"(version: 1
kafka: { bootstrap.servers: x, group.id: g }
source: { topics: [t] }
sinks: { cache: { type: redis, url: "redis://x" } }
routes:
  - name: r
    from: customers
    when: after.total > 10 and (after.status == 'paid'
    to: cache
    invalidate: ["customer:{id", "x:{after.}"]
    include: [id]
    exclude: [email]
)",
                                     "e.yaml", BuiltinSinkTypes(), FakeEnv({}));
  EXPECT_THAT(
      ErrorLines(result),
      ElementsAre(
          HasSubstr("e.yaml:6:5: routes[0]: exclude[0]: 'email' is not in include"),
          HasSubstr("e.yaml:7:11: routes[0].from: 'customers' is not qualified"),
          HasSubstr("e.yaml:8:55: routes[0].when: at character 45: expected ')'"),
          HasSubstr("e.yaml:10:28: routes[0].invalidate[0]: at character 10: unclosed '{'"),
          HasSubstr("e.yaml:10:38: routes[0].invalidate[1]: at character 4: missing column")));
}

TEST(LoaderTest, ExactlyOnceCommitIntervalMustBeBelowTheTransactionTimeout) {
  const std::string base =
      "version: 1\nkafka: { bootstrap.servers: x, group.id: g }\nsource: { topics: [t] }\n";
  LoadResult too_long = LoadConfigText(base + "processing: { commit_interval: 2m }\n", "t.yaml",
                                       BuiltinSinkTypes(), FakeEnv({}));
  EXPECT_THAT(ErrorLines(too_long),
              ElementsAre(HasSubstr("t.yaml:4:32: processing.commit_interval: with guarantee "
                                    "exactly_once it must be below the transaction timeout")));
  LoadResult at_least_once =
      LoadConfigText(base + "processing: { commit_interval: 2m, guarantee: at_least_once }\n",
                     "t.yaml", BuiltinSinkTypes(), FakeEnv({}));
  EXPECT_TRUE(at_least_once.ok()) << "no transaction, no limit";
}

TEST(LoaderTest, SecretValuesNeverAppearInErrors) {
  LoadResult result = LoadConfigText(R"(version: 1
kafka: { bootstrap.servers: x, group.id: g, sasl.password: "${PW}" }
source: { topics: t }
processing: { commit_interval: "${PW}" }
)",
                                     "p.yaml", BuiltinSinkTypes(), FakeEnv({{"PW", "hunter2"}}));
  ASSERT_FALSE(result.errors.empty());  // the password is not a duration
  for (const std::string& line : ErrorLines(result))
    EXPECT_THAT(line, ::testing::Not(HasSubstr("hunter2")));
}

TEST(LoaderTest, MissingFileIsReported) {
  LoadResult result = LoadConfigFile("/nonexistent/fanout.yaml", BuiltinSinkTypes(), FakeEnv({}));
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(ToString(result.errors[0]), "/nonexistent/fanout.yaml: cannot open the file");
}

}  // namespace
}  // namespace fanout::config
