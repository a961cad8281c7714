// The Redis sink under the shared contract: each item is a versioned JSON copy at
// `fanout-contract:<test>:item:{id}`; a bad record is a key already holding a list (WRONGTYPE).
#include <gtest/gtest.h>
#include <simdjson.h>

#include "sinks/redis/redis_sink.h"
#include "sinks/redis/settings.h"
#include "tests/support/redis_server.h"
#include "tests/support/sink_contract.h"

namespace fanout::testing {
namespace {

class RedisContractTarget : public ContractTarget {
 public:
  explicit RedisContractTarget(const std::string& test_name)
      : prefix_("fanout-contract:" + test_name + ":") {
    Result<RedisUrl> url = ParseRedisUrl(RequireEnv("FANOUT_REDIS_URL"));
    EXPECT_TRUE(url.ok()) << url.status().ToString();
    if (url.ok()) url_ = *url;
  }

  ~RedisContractTarget() override {
    if (std::optional<Reply> keys = client_.Run({"KEYS", prefix_ + "*"})) {
      for (const Reply& key : keys->elements) (void)client_.Run({"DEL", key.text});
    }
  }

  std::string upstream_host() const override { return url_.host; }
  std::uint16_t upstream_port() const override { return url_.port; }

  Result<std::unique_ptr<Sink>> MakeSink(const std::string& address,
                                         SinkRuntime& runtime) override {
    // The stack's URL with the proxy's address: same db, same credentials.
    std::string url = "redis://";
    if (url_.password) url += (url_.username ? *url_.username : "") + ":" + *url_.password + "@";
    url += address + "/" + std::to_string(url_.db);
    return CreateRedisSink(
        SinkSpec{"cache", "redis", {{"url", url}, {"timeout", "5s"}, {"pool_size", "2"}}, {}},
        runtime);
  }

  RouteSpec Route(Options* options) const override {
    *options = {{"format", "json"}};
    RouteSpec spec;
    spec.name = "items-cache";
    spec.sink = "cache";
    spec.templates = {{"upsert", prefix_ + "item:{id}"}};
    return spec;
  }

  std::optional<std::string> StoredName(int id) override {
    std::optional<Reply> reply = client_.Run({"GET", Key(id)});
    EXPECT_TRUE(reply.has_value()) << "Redis did not answer";
    if (!reply || reply->type != Reply::Type::kString) return std::nullopt;
    simdjson::dom::parser parser;
    std::string_view name;
    if (parser.parse(reply->text)["name"].get(name) != simdjson::SUCCESS) {
      ADD_FAILURE() << Key(id) << " holds no item: " << reply->text;
      return std::nullopt;
    }
    return std::string(name);
  }

  void PrepareBadRecord(int id, Row*) override {
    ASSERT_TRUE(client_.Run({"RPUSH", Key(id), "someone else's list"}).has_value());
  }

  bool guards_versions() const override { return true; }

 private:
  std::string Key(int id) const { return prefix_ + "item:" + std::to_string(id); }

  std::string prefix_;
  RedisUrl url_;
  RedisClient client_;
};

}  // namespace

std::unique_ptr<ContractTarget> MakeRedisContractTarget(const std::string& test_name) {
  return std::make_unique<RedisContractTarget>(test_name);
}

}  // namespace fanout::testing
