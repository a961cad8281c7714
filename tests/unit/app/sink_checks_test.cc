// `fanout validate` on sink settings: every sink type's setting errors come out with
// file:line:col, whether its spec (sinks/<type>/spec.cc) catches them while the YAML is
// validated or its own parser does (app/sink_checks.h).
#include "app/sink_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "app/load_config.h"

namespace fanout {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kHeader = R"(version: 1
kafka: { bootstrap.servers: "127.0.0.1:1", group.id: g }
source: { topics: [t] }
sinks:
)";

// The error lines `fanout validate` prints for a config of kHeader and `rest` (from line 5),
// with the file name "<dir>/s.yaml" shortened to "s.yaml".
std::vector<std::string> Validate(const std::string& rest) {
  const std::string dir = ::testing::TempDir();
  const std::string path = dir + "/s.yaml";
  std::ofstream(path) << kHeader << rest;
  config::LoadResult result = LoadValidatedConfig(path);
  std::vector<std::string> lines;
  for (const config::ConfigError& error : result.errors) {
    std::string line = config::ToString(error);
    if (line.starts_with(dir + "/")) line = line.substr(dir.size() + 1);
    lines.push_back(std::move(line));
  }
  return lines;
}

TEST(SinkChecksTest, Redis) {
  EXPECT_THAT(Validate(R"(  cache:
    type: redis
    url: "redis://127.0.0.1:notaport/0"
    pool_sise: 8
)"),
              ElementsAre("s.yaml:8:5: sinks.cache.pool_sise: unknown key 'pool_sise'; did you "
                          "mean 'pool_size'?"));
  EXPECT_THAT(Validate("  cache: { type: redis, url: \"redis://127.0.0.1:notaport/0\" }\n"),
              ElementsAre("s.yaml:5:3: sinks.cache: url: the port must be from 1 to 65535"));
}

TEST(SinkChecksTest, Elasticsearch) {
  EXPECT_THAT(Validate(R"(  search:
    type: elasticsearch
    url: http://127.0.0.1:1
    batch_size: 20000
)"),
              ElementsAre("s.yaml:8:17: sinks.search.batch_size: must be between 1 and 10000"));
  EXPECT_THAT(Validate("  search: { type: elasticsearch, url: \"http://h:1\", username: u }\n"),
              ElementsAre("s.yaml:5:3: sinks.search: username: needs a password"));
}

TEST(SinkChecksTest, Postgres) {
  EXPECT_THAT(Validate(R"(  db:
    type: postgres
    dsn: "host=127.0.0.1"
    timeout: 30d
)"),
              ElementsAre("s.yaml:8:14: sinks.db.timeout: the duration is too large (at most "
                          "2147483647ms)"));
  EXPECT_THAT(Validate("  db: { type: postgres, dsn: \"host=127.0.0.1\", offsets_table: a.b.c }\n"),
              ElementsAre(HasSubstr("s.yaml:5:3: sinks.db: offsets_table: must be [schema.]name")));
}

TEST(SinkChecksTest, Http) {
  EXPECT_THAT(Validate(R"(  hook:
    type: http
    url: http://127.0.0.1:1
    timeout: 0s
)"),
              ElementsAre("s.yaml:8:14: sinks.hook.timeout: the duration must be above zero"));
  EXPECT_THAT(Validate(R"(  hook:
    type: http
    url: http://127.0.0.1:1
    headers: { "Bad Name": x }
)"),
              ElementsAre("s.yaml:5:3: sinks.hook: headers: 'Bad Name' is not a valid header "
                          "name"));
}

TEST(SinkChecksTest, Kafka) {
  EXPECT_THAT(Validate(R"(  events:
    type: kafka
    properties: linger.ms=5
routes:
  - { name: r, to: events, topic: out, value: full }
)"),
              ElementsAre("s.yaml:7:17: sinks.events.properties: expected a mapping of names "
                          "to values",
                          "s.yaml:9:47: routes[0].value: expected one of: after, envelope"));
  EXPECT_THAT(Validate("  events: { type: kafka, properties: { linger.ms: soon } }\n"),
              ElementsAre(HasSubstr("s.yaml:5:3: sinks.events: properties.linger.ms: ")));
}

}  // namespace
}  // namespace fanout
