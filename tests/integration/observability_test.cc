// Operability end to end (issue 5): `fanout run` consumes Debezium-style events produced into a
// unique topic and delivers them to an HTTP service that goes down (503) for a while and comes
// back. Through the admin endpoint:
//   - promtool (Prometheus' own parser and linter) accepts /metrics;
//   - the counters say exactly what was fed in (N events → N consumed, decoded, routed, applied);
//   - /readyz turns 503 within seconds of the outage, saying which sink, and 200 after it;
//   - the consumer lag in seconds rises while the service is down and falls back to ~0 after;
//   - `fanout status` prints the route's row;
// and the logs (JSON lines) never contain the secret given to the sink through ${ENV}.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "observability/status_report.h"
#include "tests/support/http_test_server.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kFirst = 40;   // events delivered while the service is up
constexpr int kSecond = 25;  // events produced while it is down
constexpr char kSecret[] = "s3cr3t-0bs-Pa55w0rd";

std::string Envelope(int id, std::int64_t ts_ms) {
  return R"({"before":null,"after":{"id":)" + std::to_string(id) +
         R"(,"note":"n"},"source":{"connector":"postgresql","db":"d","schema":"public","table":"things","lsn":)" +
         std::to_string(1000 + id) + R"(,"ts_ms":)" + std::to_string(ts_ms) +
         R"(},"op":"c","ts_ms":)" + std::to_string(ts_ms) + "}";
}

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Output and exit status of a shell command.
std::pair<int, std::string> Shell(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) out.append(buffer, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class ObservabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = "obs" + std::to_string(::getpid()) + "x" + std::to_string(NowMs() % 100000);
    topic_ = name_ + ".public.things";
    dir_ = std::filesystem::temp_directory_path() / ("fanout-" + name_);
    std::filesystem::create_directories(dir_);
    admin_ = "127.0.0.1:" + std::to_string(UnusedLocalPort());
  }

  void Produce(int from, int count) {
    const std::string input = dir_ + "/input-" + std::to_string(from) + ".txt";
    {
      std::ofstream out(input);
      for (int id = from; id < from + count; ++id) {
        out << R"({"id":)" << id << "}|" << Envelope(id, NowMs()) << "\n";
      }
    }
    const std::string produce = "kcat -P -b " + RequireEnv("FANOUT_KAFKA_BOOTSTRAP") + " -t " +
                                topic_ + " -K '|' -l " + input;
    ASSERT_EQ(std::system(produce.c_str()), 0);
  }

  // HTTP status of GET `path` on the admin endpoint, body in *body; 0 when unreachable.
  int Get(const std::string& path, std::string* body) {
    const std::string file = dir_ + "/get.out";
    auto [rc, code] =
        Shell("curl -s -m 5 -o " + file + " -w '%{http_code}' http://" + admin_ + path);
    *body = ReadFile(file);
    return rc == 0 ? std::atoi(code.c_str()) : 0;
  }

  std::vector<MetricSample> Scrape() {
    std::string body;
    if (Get("/metrics", &body) != 200) return {};
    Result<std::vector<MetricSample>> samples = ParseMetricsText(body);
    EXPECT_TRUE(samples.ok()) << samples.status().ToString();
    return samples.ok() ? *samples : std::vector<MetricSample>{};
  }

  // The sum of the series named `name` with all of `labels`.
  double Value(const std::vector<MetricSample>& samples, const std::string& name,
               const std::map<std::string, std::string>& labels = {}) {
    double sum = 0;
    for (const MetricSample& s : samples) {
      if (s.name != name) continue;
      bool match = true;
      for (const auto& [k, v] : labels) {
        auto it = s.labels.find(k);
        match = match && it != s.labels.end() && it->second == v;
      }
      if (match) sum += s.value;
    }
    return sum;
  }

  double Metric(const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    return Value(Scrape(), name, labels);
  }

  std::string name_;
  std::string topic_;
  std::string dir_;
  std::string admin_;
};

TEST_F(ObservabilityTest, MetricsReadinessAndLagFollowASinkOutage) {
  HttpTestServer server;
  std::atomic<bool> down{false};
  std::atomic<int> accepted{0};
  server.SetResponder([&](const ReceivedRequest&) {
    if (down.load()) return ScriptedResponse{.status = 503, .body = "maintenance"};
    accepted.fetch_add(1);
    return ScriptedResponse{.status = 200};
  });
  ASSERT_EQ(::setenv("FANOUT_OBS_SECRET", kSecret, 1), 0);
  const std::string config = dir_ + "/fanout.yaml";
  std::ofstream(config) << "version: 1\n"
                        << "kafka: { bootstrap.servers: \"${FANOUT_KAFKA_BOOTSTRAP}\", group.id: "
                        << name_ << " }\n"
                        << "source: { topics: [" << topic_ << "] }\n"
                        << "processing: { commit_interval: 200ms }\n"
                        << "sinks:\n"
                        << "  svc:\n"
                        << "    type: http\n"
                        << "    url: \"" << server.Url("/cdc") << "\"\n"
                        << "    username: fanout\n"
                        << "    password: \"${FANOUT_OBS_SECRET}\"\n"
                        << "    headers: { X-Api-Key: \"${FANOUT_OBS_SECRET}\" }\n"
                        << "routes:\n"
                        << "  - { name: things-http, from: public.things, to: svc }\n"
                        << "retry: { max_attempts: 5, backoff: 100ms..1s }\n"
                        << "dead_letter: { topic: " << topic_ << ".dlq }\n"
                        << "admin: { listen: \"" << admin_ << "\" }\n";
  Produce(0, kFirst);
  const std::string log = dir_ + "/fanout.log";
  ChildProcess fanout({FANOUT_BINARY, "run", "-c", config}, log);

  // Up: every event counted once at each stage, and ready.
  const std::map<std::string, std::string> route{{"route", "things-http"}, {"sink", "svc"}};
  auto applied = [&] {
    return Metric("fanout_actions_total",
                  {{"route", "things-http"}, {"sink", "svc"}, {"outcome", "applied"}});
  };
  ASSERT_TRUE(WaitFor([&] { return applied() >= kFirst; }, std::chrono::seconds(60)))
      << ReadFile(log);
  std::string body;
  ASSERT_TRUE(WaitFor([&] { return Get("/readyz", &body) == 200; }, std::chrono::seconds(10)))
      << body;
  EXPECT_THAT(body, HasSubstr("\"status\":\"ready\""));
  EXPECT_EQ(Get("/healthz", &body), 200);
  {
    const std::vector<MetricSample> m = Scrape();
    EXPECT_EQ(Value(m, "fanout_events_consumed_total"), kFirst);
    EXPECT_EQ(Value(m, "fanout_events_decoded_total"), kFirst);
    EXPECT_EQ(Value(m, "fanout_events_routed_total", {{"route", "things-http"}}), kFirst);
    EXPECT_EQ(Value(m, "fanout_actions_total", {{"outcome", "applied"}}), kFirst);
    EXPECT_EQ(Value(m, "fanout_decode_errors_total"), 0);
    EXPECT_EQ(Value(m, "fanout_dead_letters_total"), 0);
    EXPECT_EQ(Value(m, "fanout_partitions_assigned"), 1);
    EXPECT_EQ(Value(m, "fanout_ready"), 1);
    EXPECT_EQ(Value(m, "fanout_sink_up", {{"sink", "svc"}}), 1);
    EXPECT_GE(Value(m, "fanout_sink_request_duration_seconds_count", {{"sink", "svc"}}), 1);
    EXPECT_EQ(Value(m, "fanout_source_to_applied_seconds_count", route), kFirst);
    EXPECT_EQ(Value(m, "fanout_kafka_to_applied_seconds_count", route), kFirst);
    EXPECT_GT(Value(m, "fanout_applied_source_timestamp_seconds", route), 1.7e9);
    EXPECT_GT(Value(m, "process_resident_memory_bytes"), 1e6);
    EXPECT_GT(Value(m, "fanout_uptime_seconds"), 0);
  }
  EXPECT_EQ(accepted.load(), kFirst);

  // promtool parses and lints the exposition; without promtool this test fails (install-deps
  // installs Debian's prometheus package, which ships it).
  ASSERT_EQ(Get("/metrics", &body), 200);
  std::ofstream(dir_ + "/metrics.txt") << body;
  auto [promtool_rc, promtool_out] = Shell("promtool check metrics < " + dir_ + "/metrics.txt");
  EXPECT_EQ(promtool_rc, 0) << "promtool check metrics:\n" << promtool_out;
  std::cout << "promtool check metrics: exit " << promtool_rc << " " << promtool_out << "\n";

  // Down: readiness fails within seconds, naming the sink; lag in seconds grows.
  down.store(true);
  Produce(kFirst, kSecond);
  const auto outage = std::chrono::steady_clock::now();
  EXPECT_TRUE(WaitFor([&] { return Get("/readyz", &body) == 503; }, std::chrono::seconds(10)))
      << body;
  const double not_ready_after =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - outage).count();
  EXPECT_THAT(body, HasSubstr("sink 'svc' is unavailable"));
  EXPECT_THAT(body, HasSubstr("\"unavailable_sinks\":[\"svc\"]"));
  const double lag_early = Metric("fanout_consumer_lag_seconds");
  // The gauge is refreshed by the consume loop, which waits up to its poll timeout between
  // rounds while the sink is down: it may trail the clock by that much, so wait for it.
  EXPECT_TRUE(WaitFor([&] { return Metric("fanout_consumer_lag_seconds") >= 2.5; },
                      std::chrono::seconds(10)));
  const std::vector<MetricSample> during = Scrape();
  const double lag_late = Value(during, "fanout_consumer_lag_seconds");
  EXPECT_GT(lag_late, lag_early);
  EXPECT_GE(lag_late, 2.5);
  EXPECT_EQ(Value(during, "fanout_consumer_lag_records"), kSecond);
  EXPECT_EQ(Value(during, "fanout_in_flight_events"), kSecond);
  EXPECT_EQ(Value(during, "fanout_sink_up", {{"sink", "svc"}}), 0);
  EXPECT_EQ(Value(during, "fanout_ready"), 0);
  EXPECT_GE(Value(during, "fanout_actions_total", {{"outcome", "unavailable"}}), 1);
  EXPECT_EQ(Get("/healthz", &body), 200) << "an unavailable sink is not a dead process";

  // `fanout status` shows the route, the outage and exits 3 (not ready).
  auto [status_rc, status_out] =
      Shell(std::string(FANOUT_BINARY) + " status --admin " + admin_ + " --interval 200ms");
  EXPECT_EQ(status_rc, 3) << status_out;
  EXPECT_THAT(status_out, HasSubstr("NOT READY"));
  EXPECT_THAT(status_out, ::testing::ContainsRegex("things-http +svc .*yes \\(sink down\\)"));
  std::cout << status_out;

  // Back: ready again, lag back to ~0, every event counted exactly once.
  down.store(false);
  const auto recovery = std::chrono::steady_clock::now();
  EXPECT_TRUE(WaitFor([&] { return Get("/readyz", &body) == 200; }, std::chrono::seconds(15)))
      << body;
  const double ready_after =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - recovery).count();
  EXPECT_TRUE(WaitFor(
      [&] {
        const std::vector<MetricSample> m = Scrape();
        return Value(m, "fanout_consumer_lag_seconds") < 1 &&
               Value(m, "fanout_in_flight_events") == 0 &&
               Value(m, "fanout_consumer_lag_records") == 0;
      },
      std::chrono::seconds(15)));
  const std::vector<MetricSample> after = Scrape();
  EXPECT_EQ(Value(after, "fanout_events_consumed_total"), kFirst + kSecond);
  EXPECT_EQ(Value(after, "fanout_actions_total", {{"outcome", "applied"}}), kFirst + kSecond);
  EXPECT_EQ(Value(after, "fanout_actions_total", {{"outcome", "dead_lettered"}}), 0);
  EXPECT_EQ(Value(after, "fanout_sink_up", {{"sink", "svc"}}), 1);
  EXPECT_GE(Value(after, "fanout_commits_total"), 1);
  EXPECT_EQ(accepted.load(), kFirst + kSecond);
  std::cout << "readyz: not ready " << not_ready_after << " s after the outage, ready "
            << ready_after << " s after recovery; lag " << lag_early << " s → " << lag_late
            << " s during the outage\n";

  fanout.Signal(SIGTERM);
  EXPECT_EQ(fanout.Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log);

  // Logs: JSON lines (stderr is a file), and the secret nowhere.
  const std::string text = ReadFile(log);
  EXPECT_THAT(text, Not(HasSubstr(kSecret)));
  std::istringstream lines(text);
  int json_lines = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    EXPECT_EQ(line.rfind("{\"ts\":\"", 0), 0u) << line;
    ++json_lines;
  }
  EXPECT_GT(json_lines, 3);
  EXPECT_THAT(text, HasSubstr("sink 'svc' is unavailable"));
}

}  // namespace
}  // namespace fanout::testing
