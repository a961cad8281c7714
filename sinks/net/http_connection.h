// HttpConnection: one connection of an HTTP client's pool (sinks/net/http_client.h), carrying one
// request/response exchange at a time over HTTP/1.1 keep-alive. Opening, deadlines, stale
// completions and closing are TcpConnection's (sinks/net/tcp_connection.h); this adds writing
// the request and reading the response. A response that says `Connection: close`, or whose body
// was cut off at kMaxResponseBody, ends the connection after its exchange.
//
// Thread-safety: none. Every call and every handler runs on the pool's strand.
//
// Internal to sinks/net: it exposes Boost.Asio and Beast types.
#ifndef FANOUT_SINKS_NET_HTTP_CONNECTION_H_
#define FANOUT_SINKS_NET_HTTP_CONNECTION_H_

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sinks/net/http_exchange.h"
#include "sinks/net/tcp_connection.h"

namespace fanout {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Largest response body read: enough for any error message; a larger one is cut off (the
// status still counts) and its connection closed.
inline constexpr std::uint64_t kMaxResponseBody = 1024 * 1024;

class HttpConnection final : public TcpConnection {
 public:
  using Request = std::shared_ptr<const HttpRequest>;
  using Exchange = HttpExchangeResult;
  using Callback = std::function<void(HttpExchangeResult)>;

  using TcpConnection::TcpConnection;

  // Opens the connection if it is not open yet; `done` gets stage kDone on success.
  // REQUIRES: idle() and usable().
  void Open(Clock::time_point deadline, Callback done);
  // Sends `request` (opening the connection first if needed) and reads the response.
  // REQUIRES: idle() and usable().
  void Send(const Request& request, Clock::time_point deadline, Callback done);

  bool idle() const override { return done_ == nullptr; }

 private:
  void OnTransportReady(bool fresh) override;
  void Fail(NetStage stage, const boost::system::error_code& error) override;
  void Write();
  void OnWritten(const boost::system::error_code& error);
  void OnRead(const boost::system::error_code& error);
  // Ends the exchange: state first, then the callback (which may start the next exchange).
  void Finish(HttpExchangeResult result);

  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
  bool got_response_bytes_ = false;
  Request request_;  // null for Open()
  Callback done_;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_NET_HTTP_CONNECTION_H_
