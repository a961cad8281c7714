// `fanout status`: asks a running instance's admin endpoint and prints a compact table per
// route (observability/status_report.h renders it).
#include <simdjson.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include "app/commands.h"
#include "config/duration.h"
#include "observability/admin_server.h"
#include "observability/status_report.h"

namespace fanout {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct Fetched {
  unsigned status = 0;
  std::string body;
};

// One GET, with the whole exchange bounded by `timeout`.
Result<Fetched> Get(const std::string& host, std::uint16_t port, const std::string& target,
                    std::chrono::milliseconds timeout) {
  asio::io_context io;
  tcp::socket socket(io);
  http::response<http::string_body> response;
  boost::system::error_code result = asio::error::timed_out;
  boost::beast::flat_buffer buffer;
  http::request<http::string_body> request(http::verb::get, target, 11);
  request.set(http::field::host, host);
  request.set(http::field::connection, "close");
  socket.async_connect(
      tcp::endpoint(asio::ip::make_address(host), port), [&](boost::system::error_code ec) {
        if (ec) {
          result = ec;
          return;
        }
        http::async_write(socket, request, [&](boost::system::error_code wec, std::size_t) {
          if (wec) {
            result = wec;
            return;
          }
          http::async_read(socket, buffer, response,
                           [&](boost::system::error_code rec, std::size_t) { result = rec; });
        });
      });
  io.run_for(timeout);
  if (result) {
    return Unavailable("http://" + host + ":" + std::to_string(port) + target + ": " +
                       result.message());
  }
  return Fetched{response.result_int(), std::move(response.body())};
}

}  // namespace

int StatusCommand(const StatusOptions& options) {
  std::string host;
  std::uint16_t port = 0;
  Status status = ParseListenAddress(options.admin, &host, &port);
  if (!status.ok()) {
    std::fprintf(stderr, "fanout status: %s\n", status.ToString().c_str());
    return kExitConfigError;
  }
  Result<std::chrono::milliseconds> interval = config::ParseDuration(options.interval);
  if (!interval.ok()) {
    std::fprintf(stderr, "fanout status: --interval: %s\n", interval.status().ToString().c_str());
    return kExitConfigError;
  }
  const std::chrono::milliseconds timeout(5000);
  StatusInput input;
  input.address = options.admin;
  const auto started = std::chrono::steady_clock::now();
  Result<Fetched> first = Get(host, port, "/metrics", timeout);
  if (first.ok() && interval->count() > 0) std::this_thread::sleep_for(*interval);
  Result<Fetched> second = first.ok() ? Get(host, port, "/metrics", timeout) : first;
  input.interval_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  Result<Fetched> ready = second.ok() ? Get(host, port, "/readyz", timeout) : second;
  if (!ready.ok()) {
    std::fprintf(stderr, "fanout status: cannot reach the admin endpoint: %s\n",
                 ready.status().ToString().c_str());
    return kExitRuntimeError;
  }
  for (const Result<Fetched>* fetched : {&first, &second}) {
    Result<std::vector<MetricSample>> samples = ParseMetricsText((*fetched)->body);
    if (!samples.ok() || (*fetched)->status != 200) {
      std::fprintf(stderr, "fanout status: unexpected /metrics answer (HTTP %u): %s\n",
                   (*fetched)->status, samples.ok() ? "" : samples.status().ToString().c_str());
      return kExitRuntimeError;
    }
    (fetched == &first ? input.before : input.after) = std::move(samples).value();
  }
  input.ready = ready->status == 200;
  simdjson::dom::parser parser;
  simdjson::dom::array reasons;
  if (parser.parse(ready->body).get_object()["reasons"].get_array().get(reasons) ==
      simdjson::SUCCESS) {
    for (simdjson::dom::element reason : reasons) {
      std::string_view text;
      if (reason.get_string().get(text) == simdjson::SUCCESS) input.reasons.emplace_back(text);
    }
  }
  std::fputs(RenderStatus(input).c_str(), stdout);
  return input.ready ? kExitOk : kExitNotReady;
}

}  // namespace fanout
