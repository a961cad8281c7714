#include "sinks/net/tcp_connection.h"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

namespace fanout {

using boost::asio::ip::tcp;
using boost::system::error_code;

TcpConnection::TcpConnection(NetStrand strand, std::string host, std::string port,
                             std::shared_ptr<const TlsContext> tls)
    : host_(std::move(host)),
      port_(std::move(port)),
      resolver_(strand),
      resolve_timer_(strand),
      stream_(strand, std::move(tls)) {}

TcpConnection::~TcpConnection() = default;

void TcpConnection::BeginExchange(Clock::time_point deadline) {
  deadline_ = deadline;
  reused_ = exchanges_ > 0;
  if (open_) return OnTransportReady(false);
  stage_ = NetStage::kResolve;
  resolving_ = true;
  // The resolver has no deadline of its own (getaddrinfo runs on a helper thread), so a timer
  // ends the exchange on time and the late answer is ignored.
  resolve_timer_.expires_at(deadline_);
  resolve_timer_.async_wait(Current([this](const error_code& ec) { OnResolveTimer(ec); }));
  resolver_.async_resolve(
      host_, port_,
      Current([this](const error_code& ec, const tcp::resolver::results_type& endpoints) {
        OnResolved(ec, endpoints);
      }));
}

void TcpConnection::OnResolveTimer(const error_code& error) {
  if (error || !resolving_) return;
  resolver_.cancel();
  Fail(NetStage::kResolve, boost::beast::error::timeout);
}

void TcpConnection::OnResolved(const error_code& error,
                               const tcp::resolver::results_type& endpoints) {
  resolving_ = false;
  resolve_timer_.cancel();
  if (error) return Fail(NetStage::kResolve, error);
  stage_ = NetStage::kConnect;
  stream_.tcp().expires_at(deadline_);
  stream_.tcp().async_connect(
      endpoints, Current([this](const error_code& ec, const tcp::endpoint&) { OnConnected(ec); }));
}

void TcpConnection::OnConnected(const error_code& error) {
  if (error) return Fail(NetStage::kConnect, error);
  open_ = true;
  error_code ignored;
  // Requests and pipelines are written whole; Nagle would only hold back the tail of each one.
  stream_.tcp().socket().set_option(tcp::no_delay(true), ignored);
  if (!stream_.tls()) return OnTransportReady(true);
  stage_ = NetStage::kTlsHandshake;
  stream_.AsyncHandshake(Current([this](const error_code& ec) { OnTlsHandshake(ec); }));
}

void TcpConnection::OnTlsHandshake(const error_code& error) {
  if (error) return Fail(NetStage::kTlsHandshake, error);
  OnTransportReady(true);
}

void TcpConnection::EndExchange() {
  ++generation_;
  resolving_ = false;
  resolve_timer_.cancel();
  if (broken_) CloseSocket();
}

void TcpConnection::ExchangeSucceeded() {
  ++exchanges_;
  stream_.tcp().expires_never();
}

void TcpConnection::Abort() {
  broken_ = true;
  if (!idle()) {
    Fail(stage_, boost::asio::error::operation_aborted);
  } else {
    CloseSocket();
  }
}

void TcpConnection::CloseSocket() {
  resolver_.cancel();
  if (open_) {
    error_code ignored;
    stream_.tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  }
  stream_.Close();
  open_ = false;
}

}  // namespace fanout
