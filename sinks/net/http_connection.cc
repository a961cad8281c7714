#include "sinks/net/http_connection.h"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <utility>

namespace fanout {

namespace http = boost::beast::http;
using boost::system::error_code;

void HttpConnection::Open(Clock::time_point deadline, Callback done) {
  request_.reset();
  done_ = std::move(done);
  BeginExchange(deadline);
}

void HttpConnection::Send(const Request& request, Clock::time_point deadline, Callback done) {
  request_ = request;
  done_ = std::move(done);
  BeginExchange(deadline);
}

void HttpConnection::OnTransportReady(bool fresh) {
  if (request_) return Write();
  if (fresh) stream().tcp().expires_never();  // open and idle until a request comes
  HttpExchangeResult result;
  result.reused_connection = reused();
  Finish(std::move(result));
}

void HttpConnection::Write() {
  set_stage(NetStage::kWrite);
  stream().tcp().expires_at(deadline());
  // The handler holds the request: Abort() may complete the exchange (and release the caller's
  // copy) while the socket still has the write pending.
  http::async_write(
      stream(), *request_,
      Current([this, request = request_](const error_code& ec, std::size_t) { OnWritten(ec); }));
}

void HttpConnection::OnWritten(const error_code& error) {
  if (error) return Fail(NetStage::kWrite, error);
  set_stage(NetStage::kRead);
  parser_.emplace();
  parser_->body_limit(kMaxResponseBody);
  http::async_read(stream(), buffer_, *parser_,
                   Current([this](const error_code& ec, std::size_t) { OnRead(ec); }));
}

void HttpConnection::OnRead(const error_code& error) {
  const bool cut_off = error == http::error::body_limit && parser_->is_header_done();
  if (error && !cut_off) {
    got_response_bytes_ = parser_->got_some();
    return Fail(NetStage::kRead, error);
  }
  http::response<http::string_body>& response = parser_->get();
  HttpExchangeResult result;
  result.stage = NetStage::kDone;
  result.reused_connection = reused();
  result.got_response_bytes = true;
  result.status = response.result_int();
  if (auto it = response.find(http::field::retry_after); it != response.end()) {
    result.retry_after = std::string(it->value());
  }
  result.body = std::move(response.body());
  // A cut-off body leaves the rest of it on the wire: the connection cannot be reused.
  if (cut_off || !response.keep_alive()) MarkBroken();
  ExchangeSucceeded();
  Finish(std::move(result));
}

void HttpConnection::Fail(NetStage stage, const error_code& error) {
  MarkBroken();
  HttpExchangeResult result;
  result.stage = stage;
  result.error = error;
  result.reused_connection = reused();
  result.got_response_bytes = got_response_bytes_;
  Finish(std::move(result));
}

void HttpConnection::Finish(HttpExchangeResult result) {
  EndExchange();
  got_response_bytes_ = false;
  request_.reset();
  Callback done = std::move(done_);
  done_ = nullptr;
  done(std::move(result));
}

}  // namespace fanout
