#include "tests/support/http_test_server.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace fanout::testing {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

std::string ReceivedRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

bool ReceivedRequest::HasHeader(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& header) { return EqualsIgnoreCase(header.first, name); });
}

class HttpTestServer::Impl {
 public:
  class Session;

  Impl() : acceptor_(context_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    Accept();
    thread_ = std::thread([this] { context_.run(); });
  }

  ~Impl() { Stop(); }

  // Closes the listener and every connection, and joins the thread. Idempotent.
  void Stop();

  // The response for the request just received, recorded first.
  ScriptedResponse Take(ReceivedRequest request) {
    Responder responder;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
      arrived_.notify_all();
      if (!script_.empty()) {
        ScriptedResponse response = std::move(script_.front());
        script_.pop_front();
        return response;
      }
      if (!responder_) return fallback_;
      responder = responder_;
    }
    return responder(request);
  }

  void Accept();

  asio::io_context context_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::vector<std::weak_ptr<Session>> sessions_;  // on the server thread only

  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::deque<ScriptedResponse> script_;
  ScriptedResponse fallback_;
  Responder responder_;
  std::vector<ReceivedRequest> requests_;
  std::size_t connections_ = 0;
};

class HttpTestServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl* server, tcp::socket socket)
      : server_(server), socket_(std::move(socket)), timer_(socket_.get_executor()) {}

  void Read() {
    request_ = {};
    http::async_read(socket_, buffer_, request_,
                     [self = shared_from_this()](const error_code& ec, std::size_t) {
                       if (!ec) self->OnRequest();
                     });
  }

  void Close() {
    error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  void OnRequest() {
    ReceivedRequest received;
    received.method = std::string(request_.method_string());
    received.target = std::string(request_.target());
    for (const auto& field : request_) {
      received.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    received.body = request_.body();
    script_ = server_->Take(std::move(received));
    timer_.expires_after(script_.delay);
    timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec) self->Respond();
    });
  }

  void Respond() {
    if (script_.drop) return Close();
    const bool keep_alive = request_.keep_alive() && !script_.close_connection;
    response_ = {};
    response_.version(11);
    response_.result(script_.status);
    for (const auto& [name, value] : script_.headers) response_.set(name, value);
    response_.body() = script_.body;
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    http::async_write(socket_, response_,
                      [self = shared_from_this(), keep_alive](const error_code& ec, std::size_t) {
                        if (ec || !keep_alive) return self->Close();
                        self->Read();
                      });
  }

  Impl* server_;  // outlives the session: sessions live in the server's io_context
  tcp::socket socket_;
  asio::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  ScriptedResponse script_;
};

void HttpTestServer::Impl::Stop() {
  if (!thread_.joinable()) return;
  asio::post(context_, [this] {
    error_code ignored;
    acceptor_.close(ignored);
    context_.stop();
  });
  thread_.join();
  // The thread is gone: the sessions are ours to close.
  for (const std::weak_ptr<Session>& weak : sessions_) {
    if (std::shared_ptr<Session> session = weak.lock()) session->Close();
  }
}

void HttpTestServer::Impl::Accept() {
  acceptor_.async_accept([this](const error_code& ec, tcp::socket socket) {
    if (ec) return;  // closed by Stop()
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++connections_;
    }
    auto session = std::make_shared<Session>(this, std::move(socket));
    sessions_.push_back(session);
    session->Read();
    Accept();
  });
}

HttpTestServer::HttpTestServer() : impl_(std::make_unique<Impl>()) {}
HttpTestServer::~HttpTestServer() = default;

std::uint16_t HttpTestServer::port() const { return impl_->port_; }

std::string HttpTestServer::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(impl_->port_) + std::string(path);
}

void HttpTestServer::Enqueue(ScriptedResponse response) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->script_.push_back(std::move(response));
}

void HttpTestServer::SetDefault(ScriptedResponse response) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->fallback_ = std::move(response);
}

void HttpTestServer::SetResponder(Responder responder) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->responder_ = std::move(responder);
}

std::vector<ReceivedRequest> HttpTestServer::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  return impl_->requests_;
}

std::size_t HttpTestServer::connections_accepted() const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  return impl_->connections_;
}

bool HttpTestServer::WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(impl_->mutex_);
  return impl_->arrived_.wait_for(lock, timeout, [&] { return impl_->requests_.size() >= count; });
}

void HttpTestServer::Stop() { impl_->Stop(); }

std::uint16_t UnusedLocalPort() {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace fanout::testing
