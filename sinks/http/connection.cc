#include "sinks/http/connection.h"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <utility>

namespace fanout {

namespace http = boost::beast::http;
using boost::asio::ip::tcp;
using boost::system::error_code;

namespace {

// What Open() reports once the connection is open.
HttpExchangeResult Opened(bool reused) {
  HttpExchangeResult result;
  result.reused_connection = reused;
  return result;
}

}  // namespace

HttpConnection::HttpConnection(HttpStrand strand, std::string host, std::string port,
                               std::shared_ptr<const TlsContext> tls)
    : strand_(strand),
      host_(std::move(host)),
      port_(std::move(port)),
      resolver_(strand),
      resolve_timer_(strand),
      stream_(strand, std::move(tls)) {}

HttpConnection::~HttpConnection() = default;

void HttpConnection::Open(Clock::time_point deadline, Callback done) {
  request_.reset();
  deadline_ = deadline;
  done_ = std::move(done);
  Start();
}

void HttpConnection::Send(std::shared_ptr<const HttpRequest> request, Clock::time_point deadline,
                          Callback done) {
  request_ = std::move(request);
  deadline_ = deadline;
  done_ = std::move(done);
  Start();
}

void HttpConnection::Start() {
  reused_ = exchanges_ > 0;
  if (open_) {
    if (request_) {
      Write();
    } else {
      Finish(Opened(reused_));
    }
    return;
  }
  stage_ = HttpStage::kResolve;
  resolving_ = true;
  // The resolver has no deadline of its own (getaddrinfo runs on a helper thread), so a timer
  // ends the exchange on time and the late answer is ignored.
  resolve_timer_.expires_at(deadline_);
  resolve_timer_.async_wait([self = shared_from_this(), generation = generation_](error_code ec) {
    self->OnResolveTimer(generation, ec);
  });
  resolver_.async_resolve(host_, port_,
                          [self = shared_from_this(), generation = generation_](
                              const error_code& ec, const tcp::resolver::results_type& endpoints) {
                            self->OnResolved(generation, ec, endpoints);
                          });
}

void HttpConnection::OnResolveTimer(std::uint64_t generation, const error_code& error) {
  if (error || generation != generation_ || !resolving_) return;
  resolver_.cancel();
  Fail(HttpStage::kResolve, boost::beast::error::timeout);
}

void HttpConnection::OnResolved(std::uint64_t generation, const error_code& error,
                                const tcp::resolver::results_type& endpoints) {
  if (generation != generation_) return;
  resolving_ = false;
  resolve_timer_.cancel();
  if (error) return Fail(HttpStage::kResolve, error);
  stage_ = HttpStage::kConnect;
  stream_.tcp().expires_at(deadline_);
  stream_.tcp().async_connect(endpoints, [self = shared_from_this(), generation](
                                             const error_code& ec, const tcp::endpoint&) {
    self->OnConnected(generation, ec);
  });
}

void HttpConnection::OnConnected(std::uint64_t generation, const error_code& error) {
  if (generation != generation_) return;
  if (error) return Fail(HttpStage::kConnect, error);
  open_ = true;
  error_code ignored;
  // Requests are written whole; Nagle would only hold back the tail of each one.
  stream_.tcp().socket().set_option(tcp::no_delay(true), ignored);
  if (!stream_.tls()) return OnHandshake(generation, {});
  stage_ = HttpStage::kTlsHandshake;
  stream_.AsyncHandshake([self = shared_from_this(), generation](const error_code& ec) {
    self->OnHandshake(generation, ec);
  });
}

void HttpConnection::OnHandshake(std::uint64_t generation, const error_code& error) {
  if (generation != generation_) return;
  if (error) return Fail(HttpStage::kTlsHandshake, error);
  if (!request_) {
    stream_.tcp().expires_never();  // open and idle until a request comes
    return Finish(Opened(reused_));
  }
  Write();
}

void HttpConnection::Write() {
  stage_ = HttpStage::kWrite;
  stream_.tcp().expires_at(deadline_);
  // The handler holds the request: Abort() may complete the exchange (and release the caller's
  // copy) while the socket still has the write pending.
  http::async_write(stream_, *request_,
                    [self = shared_from_this(), generation = generation_, request = request_](
                        const error_code& ec, std::size_t) { self->OnWritten(generation, ec); });
}

void HttpConnection::OnWritten(std::uint64_t generation, const error_code& error) {
  if (generation != generation_) return;
  if (error) return Fail(HttpStage::kWrite, error);
  stage_ = HttpStage::kRead;
  parser_.emplace();
  parser_->body_limit(kMaxResponseBody);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this(), generation](const error_code& ec, std::size_t) {
                     self->OnRead(generation, ec);
                   });
}

void HttpConnection::OnRead(std::uint64_t generation, const error_code& error) {
  if (generation != generation_) return;
  const bool cut_off = error == http::error::body_limit && parser_->is_header_done();
  if (error && !cut_off) {
    got_response_bytes_ = parser_->got_some();
    return Fail(HttpStage::kRead, error);
  }
  http::response<http::string_body>& response = parser_->get();
  HttpExchangeResult result;
  result.stage = HttpStage::kDone;
  result.reused_connection = reused_;
  result.got_response_bytes = true;
  result.status = response.result_int();
  if (auto it = response.find(http::field::retry_after); it != response.end()) {
    result.retry_after = std::string(it->value());
  }
  result.body = std::move(response.body());
  // A cut-off body leaves the rest of it on the wire: the connection cannot be reused.
  if (cut_off || !response.keep_alive()) broken_ = true;
  ++exchanges_;
  stream_.tcp().expires_never();
  Finish(std::move(result));
}

void HttpConnection::Fail(HttpStage stage, const error_code& error) {
  broken_ = true;
  HttpExchangeResult result;
  result.stage = stage;
  result.error = error;
  result.reused_connection = reused_;
  result.got_response_bytes = got_response_bytes_;
  Finish(std::move(result));
}

void HttpConnection::Abort() {
  broken_ = true;
  if (!idle()) {
    Fail(stage_, boost::asio::error::operation_aborted);
  } else {
    CloseSocket();
  }
}

void HttpConnection::Finish(HttpExchangeResult result) {
  ++generation_;
  resolving_ = false;
  got_response_bytes_ = false;
  resolve_timer_.cancel();
  request_.reset();
  if (broken_) CloseSocket();
  Callback done = std::move(done_);
  done_ = nullptr;
  done(std::move(result));
}

void HttpConnection::CloseSocket() {
  resolver_.cancel();
  if (open_) {
    error_code ignored;
    stream_.tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  }
  stream_.Close();
  open_ = false;
}

}  // namespace fanout
