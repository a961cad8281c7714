// The admin endpoint over a real loopback socket.
#include "observability/admin_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace fanout {
namespace {

namespace http = boost::beast::http;
using ::testing::HasSubstr;
using tcp = boost::asio::ip::tcp;

http::response<http::string_body> Get(std::uint16_t port, const std::string& target,
                                      http::verb verb = http::verb::get) {
  boost::asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> request(verb, target, 11);
  request.set(http::field::host, "127.0.0.1");
  http::write(socket, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  return response;
}

TEST(AdminServerTest, ParsesListenAddresses) {
  std::string host;
  std::uint16_t port = 0;
  ASSERT_TRUE(ParseListenAddress("127.0.0.1:9464", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 9464);
  ASSERT_TRUE(ParseListenAddress("[::1]:0", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_FALSE(ParseListenAddress("localhost:9464", &host, &port).ok());  // an IP, not a name
  EXPECT_FALSE(ParseListenAddress("127.0.0.1", &host, &port).ok());
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:99999", &host, &port).ok());
}

TEST(AdminServerTest, ServesMetricsHealthAndReadinessWithReasons) {
  MetricsRegistry registry;
  registry.AddCounter("fanout_events_consumed_total", "Records.").With({})->Inc(42);
  HealthState health;
  Result<std::unique_ptr<AdminServer>> server =
      AdminServer::Start(AdminServerOptions{"127.0.0.1:0"}, &registry, &health);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::uint16_t port = (*server)->port();
  ASSERT_NE(port, 0);

  auto metrics = Get(port, "/metrics");
  EXPECT_EQ(metrics.result_int(), 200u);
  EXPECT_THAT(std::string(metrics[http::field::content_type]), HasSubstr("version=0.0.4"));
  EXPECT_THAT(metrics.body(), HasSubstr("fanout_events_consumed_total 42\n"));

  EXPECT_EQ(Get(port, "/healthz").result_int(), 200u);
  auto not_ready = Get(port, "/readyz");
  EXPECT_EQ(not_ready.result_int(), 503u);
  EXPECT_THAT(not_ready.body(), HasSubstr("not subscribed yet"));

  health.Started();
  health.SetAssigned(1);
  auto ready = Get(port, "/readyz");
  EXPECT_EQ(ready.result_int(), 200u);
  EXPECT_THAT(ready.body(), HasSubstr("\"status\":\"ready\""));

  EXPECT_EQ(Get(port, "/nope").result_int(), 404u);
  EXPECT_EQ(Get(port, "/metrics", http::verb::post).result_int(), 405u);
  (*server)->Stop();
  (*server)->Stop();  // idempotent
}

TEST(AdminServerTest, APortInUseIsUnavailable) {
  MetricsRegistry registry;
  HealthState health;
  auto first = AdminServer::Start(AdminServerOptions{"127.0.0.1:0"}, &registry, &health);
  ASSERT_TRUE(first.ok());
  auto second = AdminServer::Start(
      AdminServerOptions{"127.0.0.1:" + std::to_string((*first)->port())}, &registry, &health);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace fanout
