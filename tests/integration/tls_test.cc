// TLS for the Redis, HTTP and Elasticsearch/OpenSearch sinks against real TLS servers: a private
// redis-server with its own tls-port, and socat terminating TLS in front of the in-process HTTP
// test server and in front of the stack's OpenSearch. The certificates come from a throwaway CA
// made with the openssl command line for this run.
//
// Checked: with the right CA the sinks deliver over TLS; a server whose certificate does not
// chain to the configured CA, or does not name the host, is refused (fatal: no retry can fix
// it); tls_verify: false accepts it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sinks/elasticsearch/action.h"
#include "sinks/elasticsearch/elasticsearch_sink.h"
#include "sinks/http/http_sink.h"
#include "sinks/http/action_builder.h"
#include "sinks/redis/action.h"
#include "sinks/redis/redis_sink.h"
#include "sinks/runtime.h"
#include "tests/support/http_test_server.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using ::testing::HasSubstr;
using Settings = std::vector<std::pair<std::string, std::string>>;
constexpr auto kWait = std::chrono::seconds(15);  // bound on any wait; never reached when green

bool Shell(const std::string& command) { return std::system(command.c_str()) == 0; }

// A CA, and a server certificate it signed for localhost and 127.0.0.1, in a fresh directory.
class Certificates {
 public:
  Certificates() {
    char pattern[] = "/tmp/fanout-tls-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    EXPECT_NE(made, nullptr);
    dir_ = made == nullptr ? "/tmp" : made;
    std::ofstream(dir_ + "/ext.cnf") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    const std::string quiet = " >>" + dir_ + "/openssl.log 2>&1";
    ok_ = Shell("cd " + dir_ +
                " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2"
                " -subj /CN=fanout-test-ca" +
                quiet +
                " && openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr"
                " -subj /CN=localhost" +
                quiet +
                " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
                " -out server.pem -days 2 -extfile ext.cnf" +
                quiet + " && cat server.pem server.key > server-bundle.pem");
  }
  ~Certificates() { std::filesystem::remove_all(dir_); }

  bool ok() const { return ok_; }
  const std::string& dir() const { return dir_; }
  std::string ca() const { return dir_ + "/ca.pem"; }
  std::string cert() const { return dir_ + "/server.pem"; }
  std::string key() const { return dir_ + "/server.key"; }
  std::string bundle() const { return dir_ + "/server-bundle.pem"; }

 private:
  std::string dir_;
  bool ok_ = false;
};

int FreePort() { return static_cast<int>(UnusedLocalPort()); }

bool Listening(int port) {
  boost::asio::io_context context;
  boost::asio::ip::tcp::socket socket(context);
  boost::system::error_code error;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(port)},
                 error);
  return !error;
}

// socat terminating TLS on `port` and forwarding the plain bytes to 127.0.0.1:`target`.
std::unique_ptr<ChildProcess> TlsTerminator(const Certificates& certs, int port, int target) {
  auto child = std::make_unique<ChildProcess>(
      std::vector<std::string>{"socat",
                               "OPENSSL-LISTEN:" + std::to_string(port) +
                                   ",bind=127.0.0.1,reuseaddr,fork,verify=0,cert=" + certs.bundle(),
                               "TCP:127.0.0.1:" + std::to_string(target)},
      certs.dir() + "/socat.log");
  EXPECT_TRUE(WaitFor([&] { return Listening(port); }, std::chrono::seconds(10)))
      << ReadFile(certs.dir() + "/socat.log");
  return child;
}

std::vector<ActionResult> Write(Sink& sink, const std::vector<const SinkAction*>& batch) {
  auto promise = std::make_shared<std::promise<std::vector<ActionResult>>>();
  std::future<std::vector<ActionResult>> future = promise->get_future();
  sink.Write(batch, [promise](std::vector<ActionResult> results) {
    promise->set_value(std::move(results));
  });
  if (future.wait_for(kWait) != std::future_status::ready) {
    ADD_FAILURE() << "no callback";
    return {};
  }
  return future.get();
}

ActionResult WriteOne(Sink& sink, const SinkAction& action) {
  std::vector<ActionResult> results = Write(sink, {&action});
  return results.size() == 1 ? results.front() : ActionResult::Fatal("no result");
}

RedisAction Unlink(const std::string& key) {
  RedisAction action;
  std::string* resp = action.mutable_resp();
  *resp += "*2\r\n$6\r\nUNLINK\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n";
  action.AddCommand(RedisCommandKind::kInvalidate, 0);
  return action;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(certs_.ok()) << ReadFile(certs_.dir() + "/openssl.log"); }
  void TearDown() override {
    for (auto& sink : sinks_) sink->Close();
    runtime_.Stop();
  }

  Sink& Make(Result<std::unique_ptr<Sink>> sink) {
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    if (!sink.ok()) throw std::runtime_error("no sink");
    sinks_.push_back(std::move(sink).value());
    return *sinks_.back();
  }

  Certificates certs_;
  SinkRuntime runtime_{1};
  std::vector<std::unique_ptr<Sink>> sinks_;
};

// A private redis-server with a plain port (for the test's own client) and a TLS port.
class RedisTlsTest : public TlsTest {
 protected:
  void SetUp() override {
    TlsTest::SetUp();
    plain_port_ = FreePort();
    tls_port_ = FreePort();
    server_ = std::make_unique<ChildProcess>(std::vector<std::string>{"redis-server",
                                                                      "--bind",
                                                                      "127.0.0.1",
                                                                      "--port",
                                                                      std::to_string(plain_port_),
                                                                      "--tls-port",
                                                                      std::to_string(tls_port_),
                                                                      "--tls-cert-file",
                                                                      certs_.cert(),
                                                                      "--tls-key-file",
                                                                      certs_.key(),
                                                                      "--tls-ca-cert-file",
                                                                      certs_.ca(),
                                                                      "--tls-auth-clients",
                                                                      "no",
                                                                      "--save",
                                                                      "",
                                                                      "--appendonly",
                                                                      "no",
                                                                      "--dir",
                                                                      certs_.dir()},
                                             certs_.dir() + "/redis.log");
    ASSERT_TRUE(WaitFor([&] { return Listening(plain_port_) && Listening(tls_port_); },
                        std::chrono::seconds(10)))
        << ReadFile(certs_.dir() + "/redis.log");
    const timeval timeout{5, 0};
    client_ = redisConnectWithTimeout("127.0.0.1", plain_port_, timeout);
    ASSERT_TRUE(client_ != nullptr && client_->err == 0);
  }
  void TearDown() override {
    TlsTest::TearDown();
    if (client_ != nullptr) redisFree(client_);
  }

  Sink& MakeRedis(Settings extra, const std::string& host = "127.0.0.1") {
    Settings settings = {{"url", "rediss://" + host + ":" + std::to_string(tls_port_) + "/0"},
                         {"timeout", "5s"}};
    for (auto& setting : extra) settings.push_back(std::move(setting));
    return Make(CreateRedisSink(SinkSpec{"cache", "redis", settings, {}}, runtime_));
  }

  void Set(const std::string& key) {
    freeReplyObject(redisCommand(client_, "SET %s v", key.c_str()));
  }
  bool Exists(const std::string& key) {
    auto* reply = static_cast<redisReply*>(redisCommand(client_, "EXISTS %s", key.c_str()));
    const bool exists = reply != nullptr && reply->integer == 1;
    freeReplyObject(reply);
    return exists;
  }

  int plain_port_ = 0;
  int tls_port_ = 0;
  std::unique_ptr<ChildProcess> server_;
  redisContext* client_ = nullptr;
};

TEST_F(RedisTlsTest, InvalidatesOverTlsWhenTheServerChainsToTheConfiguredCa) {
  Sink& sink = MakeRedis({{"tls_ca_file", certs_.ca()}});
  const Status started = sink.Start(std::chrono::seconds(10));
  ASSERT_TRUE(started.ok()) << started.ToString();
  Set("customer:1");
  ASSERT_TRUE(Exists("customer:1"));
  EXPECT_EQ(WriteOne(sink, Unlink("customer:1")).outcome, ActionOutcome::kApplied);
  EXPECT_FALSE(Exists("customer:1"));
}

TEST_F(RedisTlsTest, RefusesAServerTheTrustStoreDoesNotKnow) {
  // No tls_ca_file: the system's trust store, which has never heard of this test's CA.
  Sink& sink = MakeRedis({});
  Set("customer:2");
  const ActionResult result = WriteOne(sink, Unlink("customer:2"));
  EXPECT_EQ(result.outcome, ActionOutcome::kFatal) << result.message;
  EXPECT_THAT(result.message, HasSubstr("certificate verify failed"));
  EXPECT_TRUE(Exists("customer:2"));
}

TEST_F(RedisTlsTest, RefusesACertificateForAnotherName) {
  Sink& sink = MakeRedis({{"tls_ca_file", certs_.ca()}, {"tls_server_name", "cache.example"}});
  const ActionResult result = WriteOne(sink, Unlink("customer:3"));
  EXPECT_EQ(result.outcome, ActionOutcome::kFatal) << result.message;
  EXPECT_THAT(result.message, HasSubstr("TLS handshake failed"));
}

TEST_F(RedisTlsTest, VerifyFalseAcceptsAnyCertificate) {
  Sink& sink = MakeRedis({{"tls_verify", "false"}});
  Set("customer:4");
  EXPECT_EQ(WriteOne(sink, Unlink("customer:4")).outcome, ActionOutcome::kApplied);
  EXPECT_FALSE(Exists("customer:4"));
}

TEST_F(RedisTlsTest, APlainClientOnTheTlsPortIsAnOutageNotAFatalError) {
  // redis:// against a TLS port: the server drops the connection; nothing says the settings
  // are wrong for sure (a load balancer restarting looks the same), so it retries.
  Sink& sink = Make(CreateRedisSink(
      SinkSpec{
          "cache",
          "redis",
          {{"url", "redis://127.0.0.1:" + std::to_string(tls_port_) + "/0"}, {"timeout", "2s"}},
          {}},
      runtime_));
  EXPECT_EQ(WriteOne(sink, Unlink("customer:5")).outcome, ActionOutcome::kUnavailable);
}

TEST_F(TlsTest, HttpSinkPostsOverTls) {
  HttpTestServer server;
  const int port = FreePort();
  std::unique_ptr<ChildProcess> terminator = TlsTerminator(certs_, port, server.port());
  Sink& sink =
      Make(CreateHttpSink(SinkSpec{"billing",
                                   "http",
                                   {{"url", "https://localhost:" + std::to_string(port) + "/cdc"},
                                    {"tls_ca_file", certs_.ca()}},
                                   {}},
                          runtime_));
  ASSERT_TRUE(sink.Start(std::chrono::seconds(10)).ok());
  const HttpAction action("/cdc/orders/1", "route:pg:1:1:u:0", "{\"id\":1}");
  EXPECT_EQ(WriteOne(sink, action).outcome, ActionOutcome::kApplied);
  std::vector<ReceivedRequest> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].body, "{\"id\":1}");
  EXPECT_EQ(requests[0].Header("Idempotency-Key"), "route:pg:1:1:u:0");
  // The Host header names the server as the URL does, the port included (not 443).
  EXPECT_EQ(requests[0].Header("Host"), "localhost:" + std::to_string(port));
}

TEST_F(TlsTest, HttpSinkRefusesAnUntrustedServer) {
  HttpTestServer server;
  const int port = FreePort();
  std::unique_ptr<ChildProcess> terminator = TlsTerminator(certs_, port, server.port());
  Sink& sink = Make(CreateHttpSink(
      SinkSpec{"billing", "http", {{"url", "https://127.0.0.1:" + std::to_string(port)}}, {}},
      runtime_));
  const HttpAction action("/orders/1", "route:pg:1:1:u:0", "{}");
  const ActionResult result = WriteOne(sink, action);
  EXPECT_EQ(result.outcome, ActionOutcome::kFatal) << result.message;
  EXPECT_THAT(result.message, HasSubstr("certificate verify failed"));
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(TlsTest, OpenSearchBulkOverTls) {
  const std::string url = RequireEnv("FANOUT_OPENSEARCH_URL");
  const int opensearch_port = std::stoi(url.substr(url.rfind(':') + 1));
  const int port = FreePort();
  std::unique_ptr<ChildProcess> terminator = TlsTerminator(certs_, port, opensearch_port);
  Sink& sink = Make(CreateElasticsearchSink(
      SinkSpec{"search",
               "elasticsearch",
               {{"url", "https://127.0.0.1:" + std::to_string(port)}, {"tls_ca_file", certs_.ca()}},
               {}},
      runtime_));
  ASSERT_TRUE(sink.Start(std::chrono::seconds(10)).ok());
  const std::string index = "fanout-it-tls-" + std::to_string(::getpid());
  ElasticsearchAction action;
  *action.mutable_ndjson() = "{\"index\":{\"_index\":\"" + index +
                             "\",\"_id\":\"1\",\"version\":5,\"version_type\":\"external_gte\"}}"
                             "\n{\"id\":1,\"name\":\"Ada\"}\n";
  action.AddItem(BulkItemKind::kIndex);
  EXPECT_EQ(WriteOne(sink, action).outcome, ActionOutcome::kApplied);
  // Read it back over plain HTTP, straight from OpenSearch.
  EXPECT_TRUE(Shell("curl -sf '" + url + "/" + index + "/_doc/1' | grep -q '\"name\":\"Ada\"'"));
  Shell("curl -sf -X DELETE '" + url + "/" + index + "' >/dev/null");
}

}  // namespace
}  // namespace fanout::testing
