// What the record handler is told about each route's sink comes from the sink type's spec
// (config::SinkTypeSpec), not from its type name.
#include "app/pipeline_setup.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "app/load_config.h"

namespace fanout {
namespace {

TEST(PipelineSetupTest, EachRouteTakesItsSinkTypesDeclaredDelivery) {
  const std::string path = ::testing::TempDir() + "/pipeline_setup.yaml";
  std::ofstream(path) << R"(version: 1
kafka: { bootstrap.servers: "127.0.0.1:1", group.id: g }
source: { topics: [t] }
sinks:
  out: { type: kafka }
  svc: { type: http, url: "http://127.0.0.1:1" }
  replica: { type: postgres, dsn: "host=127.0.0.1" }
  cache: { type: redis, url: "redis://127.0.0.1:1/0" }
routes:
  - { name: to-kafka, from: public.things, to: out, topic: copy }
  - { name: to-http, from: public.things, to: svc }
  - { name: to-postgres, from: public.things, to: replica, table: things }
  - { name: to-redis, from: public.things, to: cache, invalidate: ["thing:{id}"] }
)";
  config::LoadResult loaded = LoadValidatedConfig(path);
  ASSERT_TRUE(loaded.ok()) << config::ToString(loaded.errors.front());
  Result<Router> router = CompileRoutes(loaded.config);
  ASSERT_TRUE(router.ok()) << router.status().ToString();

  const DecodeHandlerOptions options = DecodeHandlerOptionsFor(loaded.config, *router);
  ASSERT_EQ(options.routes.size(), 4u);
  // Kafka and HTTP cannot absorb a change delivered twice; PostgreSQL keys its processed
  // offsets by the consumed record; Redis needs neither.
  EXPECT_TRUE(options.routes[0].skips_reemissions);
  EXPECT_FALSE(options.routes[0].keys_progress_by_consumed_record);
  EXPECT_TRUE(options.routes[1].skips_reemissions);
  EXPECT_FALSE(options.routes[1].keys_progress_by_consumed_record);
  EXPECT_FALSE(options.routes[2].skips_reemissions);
  EXPECT_TRUE(options.routes[2].keys_progress_by_consumed_record);
  EXPECT_FALSE(options.routes[3].skips_reemissions);
  EXPECT_FALSE(options.routes[3].keys_progress_by_consumed_record);
}

}  // namespace
}  // namespace fanout
