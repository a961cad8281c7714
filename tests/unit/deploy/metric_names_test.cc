// The metric names deploy/ relies on (the Prometheus alert rules, their unit tests and the
// Grafana dashboard) are ones fanout's /metrics serves. The exposition is the real one: the
// observability a `fanout run` starts (app/observability_setup.h), scraped over HTTP. No Kafka is
// needed: every family is declared at startup, and a labelled family shows its `# TYPE` line
// before it has a child.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "app/observability_setup.h"
#include "tests/support/http_call.h"

namespace fanout::testing {
namespace {

std::string ReadDeployFile(const std::string& relative) {
  std::ifstream in(std::string(FANOUT_DEPLOY_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every series name the exposition can carry: each family's name from its `# TYPE` line, plus
// `_bucket`, `_sum` and `_count` for histograms.
std::set<std::string> ServedNames(const std::string& exposition) {
  std::set<std::string> names;
  std::istringstream lines(exposition);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string hash, keyword, name, type;
    if (!(words >> hash >> keyword >> name >> type) || hash != "#" || keyword != "TYPE") continue;
    names.insert(name);
    if (type == "histogram") {
      for (const char* suffix : {"_bucket", "_sum", "_count"}) names.insert(name + suffix);
    }
  }
  return names;
}

// Every word of `text` that looks like one of fanout's metric names. The files are scanned
// whole, not only their queries, so that no text there names a metric that does not exist.
std::set<std::string> UsedNames(const std::string& text) {
  static const std::regex kName(R"(\b(fanout|process)_[a-z0-9_]+)");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kName);
       it != std::sregex_iterator(); ++it) {
    names.insert(it->str());
  }
  return names;
}

class DeployMetricNamesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::Config config;
    config.admin.listen = "127.0.0.1:0";
    auto observability = RunObservability::Start(config);
    ASSERT_TRUE(observability.ok()) << observability.status().ToString();
    observability_ = std::move(observability.value());
    HttpReply reply = HttpCall("127.0.0.1", observability_->admin_port(), "GET", "/metrics");
    ASSERT_EQ(reply.status, 200u) << reply.body;
    served_ = ServedNames(reply.body);
    ASSERT_TRUE(served_.count("fanout_actions_total")) << reply.body;
  }

  std::unique_ptr<RunObservability> observability_;
  std::set<std::string> served_;
};

TEST_F(DeployMetricNamesTest, EveryNameDeployUsesIsServed) {
  for (const char* file :
       {"prometheus/fanout-rules.yml", "prometheus/fanout-rules.test.yml", "grafana/fanout.json"}) {
    const std::set<std::string> used = UsedNames(ReadDeployFile(file));
    EXPECT_FALSE(used.empty()) << "deploy/" << file << " is missing or names no metric";
    for (const std::string& name : used) {
      EXPECT_TRUE(served_.count(name))
          << "deploy/" << file << " uses " << name << ", which fanout's /metrics does not serve";
    }
  }
}

// What the dashboard must show (issue 20): throughput per route, actions by outcome, lag in
// seconds and records, dead letters, paused partitions, sink request latency, freshness.
TEST_F(DeployMetricNamesTest, TheDashboardShowsWhatAnOperatorNeeds) {
  const std::set<std::string> used = UsedNames(ReadDeployFile("grafana/fanout.json"));
  for (const char* name :
       {"fanout_events_routed_total", "fanout_actions_total", "fanout_consumer_lag_seconds",
        "fanout_consumer_lag_records", "fanout_dead_letters_total", "fanout_partitions_paused",
        "fanout_sink_request_duration_seconds_bucket",
        "fanout_source_to_applied_seconds_bucket", "fanout_kafka_to_applied_seconds_bucket"}) {
    EXPECT_TRUE(used.count(name)) << "deploy/grafana/fanout.json has no panel on " << name;
  }
}

}  // namespace
}  // namespace fanout::testing
