#include "tests/support/http_call.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>

namespace fanout::testing {

namespace http = boost::beast::http;

HttpReply HttpCall(const std::string& host, std::uint16_t port, const std::string& method,
                   const std::string& target, const std::string& body) {
  HttpReply reply;
  boost::beast::error_code error;
  boost::asio::io_context context;
  boost::asio::ip::tcp::resolver resolver(context);
  boost::beast::tcp_stream stream(context);
  stream.expires_after(std::chrono::seconds(30));
  auto endpoints = resolver.resolve(host, std::to_string(port), error);
  if (!error) stream.connect(endpoints, error);
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, host + ":" + std::to_string(port));
  request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  if (!error) http::write(stream, request, error);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  if (!error) http::read(stream, buffer, response, error);
  if (error) return reply;
  reply.status = response.result_int();
  reply.body = std::move(response.body());
  return reply;
}

std::uint16_t AdminPortFromLog(const std::string& log) {
  const std::string needle = "admin endpoint: http://127.0.0.1:";
  const std::size_t at = log.find(needle);
  if (at == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::strtoul(log.c_str() + at + needle.size(), nullptr, 10));
}

std::chrono::seconds OutageDuration() {
  const char* text = std::getenv("FANOUT_TEST_OUTAGE_SECONDS");
  if (text == nullptr || *text == '\0') return std::chrono::seconds(30);
  return std::chrono::seconds(std::strtol(text, nullptr, 10));
}

}  // namespace fanout::testing
