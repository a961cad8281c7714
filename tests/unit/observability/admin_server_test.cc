// The admin endpoint over a real loopback socket.
#include "observability/admin_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

namespace fanout {
namespace {

namespace http = boost::beast::http;
using ::testing::HasSubstr;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono_literals::operator""ms;
using std::chrono_literals::operator""s;

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

// A blocking loopback connection to `port`, or -1.
int Connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(0x7F000001u);  // 127.0.0.1
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
}

// Sends GET `target` (Connection: close) on the connected `fd` and reads until the server closes
// or `timeout` passes: the response's bytes, "" when none came in time.
std::string Exchange(int fd, const std::string& target, std::chrono::milliseconds timeout) {
  const timeval tv{static_cast<time_t>(timeout.count() / 1000),
                   static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  SendAll(fd, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) {
    response.append(buffer, static_cast<std::size_t>(n));
  }
  return response;
}

// Whether the server closed `fd` (orderly or by reset), without blocking.
bool ClosedByPeer(int fd) {
  pollfd ready{fd, POLLIN, 0};
  if (::poll(&ready, 1, 0) <= 0) return false;
  char byte;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

// Polls `condition` every 10 ms until it holds or `deadline` passes; whether it held.
template <typename Condition>
bool HoldsBy(Clock::time_point deadline, Condition condition) {
  while (!condition()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// CPU time the whole process used so far (every thread).
std::chrono::microseconds ProcessCpuTime() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto micros = [](const timeval& tv) {
    return std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
  };
  return micros(usage.ru_utime) + micros(usage.ru_stime);
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

// Issue 16: 500 clients that send half a request and hang neither hold the endpoint nor keep
// /healthz from answering. The cap keeps at most max_connections of them open (the longest
// waiting make room), and the request deadline closes the rest.
TEST(AdminServerTest, HalfSentRequestsCannotHoldTheEndpoint) {
  MetricsRegistry registry;
  HealthState health;
  AdminServerOptions options{"127.0.0.1:0"};
  options.request_timeout = 3s;
  options.max_connections = 64;
  auto server = AdminServer::Start(options, &registry, &health);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::uint16_t port = (*server)->port();

  constexpr int kHanging = 500;
  std::vector<int> hanging;
  const Clock::time_point first_opened = Clock::now();
  for (int i = 0; i < kHanging; ++i) {
    const int fd = Connect(port);
    ASSERT_GE(fd, 0) << "connection " << i << ": " << std::strerror(errno);
    SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");  // no blank line: never ends
    hanging.push_back(fd);
  }
  const Clock::time_point last_opened = Clock::now();
  auto closed = [&hanging] {
    return std::count_if(hanging.begin(), hanging.end(), [](int fd) { return ClosedByPeer(fd); });
  };

  const Clock::time_point asked = Clock::now();
  const int probe = Connect(port);
  ASSERT_GE(probe, 0);
  const std::string healthz = Exchange(probe, "/healthz", 2000ms);
  ::close(probe);
  EXPECT_LT(Clock::now() - asked, 1s) << "a probe waited behind the hanging clients";
  EXPECT_THAT(healthz, ::testing::StartsWith("HTTP/1.1 200"));

  // The cap: all but max_connections of them are closed long before any deadline.
  EXPECT_TRUE(HoldsBy(first_opened + options.request_timeout - 500ms,
                      [&] { return closed() >= kHanging - 64; }))
      << closed() << " of " << kHanging << " closed before the request deadline";
  // The deadline: the rest are closed once it passed.
  EXPECT_TRUE(
      HoldsBy(last_opened + options.request_timeout + 3s, [&] { return closed() == kHanging; }))
      << closed() << " of " << kHanging << " closed after the request deadline";
  for (int fd : hanging) ::close(fd);

  const int after = Connect(port);
  ASSERT_GE(after, 0);
  EXPECT_THAT(Exchange(after, "/healthz", 2000ms), ::testing::StartsWith("HTTP/1.1 200"));
  ::close(after);
}

// Issue 16: with every descriptor of the process in use, accept() fails (EMFILE) while the
// pending connection stays in the backlog. The server must wait between attempts instead of
// spinning a core, and take the connection once descriptors are free again.
TEST(AdminServerTest, FailingAcceptsBackOffInsteadOfSpinning) {
  MetricsRegistry registry;
  HealthState health;
  auto server = AdminServer::Start(AdminServerOptions{"127.0.0.1:0"}, &registry, &health);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons((*server)->port());
  address.sin_addr.s_addr = htonl(0x7F000001u);          // 127.0.0.1
  const int client = ::socket(AF_INET, SOCK_STREAM, 0);  // before the descriptors run out
  ASSERT_GE(client, 0);

  // Lower the soft limit to a little above the highest descriptor in use, then fill the rest.
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  int highest = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    highest = std::max(highest, std::stoi(entry.path().filename().string()));
  }
  rlimit low = saved;
  low.rlim_cur = std::min<rlim_t>(saved.rlim_cur, static_cast<rlim_t>(highest) + 64);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> fillers;
  for (int fd; (fd = ::open("/dev/null", O_RDONLY)) >= 0;) fillers.push_back(fd);
  const int exhausted = errno;
  const int connected =
      ::connect(client, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  const int connect_errno = errno;

  // Give the server time to fail its first accepts, then measure what failing costs.
  std::this_thread::sleep_for(200ms);
  const std::chrono::microseconds cpu_before = ProcessCpuTime();
  const Clock::time_point wall_before = Clock::now();
  std::this_thread::sleep_for(1500ms);
  const std::chrono::microseconds cpu = ProcessCpuTime() - cpu_before;
  const auto wall =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - wall_before);

  for (int fd : fillers) ::close(fd);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_EQ(exhausted, EMFILE);
  ASSERT_EQ(connected, 0) << std::strerror(connect_errno);
  EXPECT_LT(cpu, wall / 10) << "the accept loop spun at " << 100 * cpu.count() / wall.count()
                            << "% CPU while descriptors were exhausted";

  // Descriptors are free again: the waiting connection is taken within the longest pause (1 s).
  const Clock::time_point asked = Clock::now();
  EXPECT_THAT(Exchange(client, "/healthz", 3000ms), ::testing::StartsWith("HTTP/1.1 200"));
  EXPECT_LT(Clock::now() - asked, 2s);
  ::close(client);
}

}  // namespace
}  // namespace fanout
