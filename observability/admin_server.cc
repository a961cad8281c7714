#include "observability/admin_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <thread>

namespace fanout {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

Status ParseListenAddress(std::string_view listen, std::string* host, std::uint16_t* port) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == listen.size()) {
    return InvalidArgument("admin address '" + std::string(listen) + "' is not host:port");
  }
  std::string_view h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  const std::string_view p = listen.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || end != p.data() + p.size() || value > 65535) {
    return InvalidArgument("admin address '" + std::string(listen) + "': bad port");
  }
  boost::system::error_code error;
  asio::ip::make_address(std::string(h), error);
  if (error) {
    return InvalidArgument("admin address '" + std::string(listen) + "': '" + std::string(h) +
                           "' is not an IP address");
  }
  *host = std::string(h);
  *port = static_cast<std::uint16_t>(value);
  return Status();
}

namespace {

// One keep-alive connection: read a request, answer it, repeat until the client closes.
class Session : public std::enable_shared_from_this<Session> {
 public:
  using Handler =
      std::function<http::response<http::string_body>(const http::request<http::string_body>&)>;
  Session(tcp::socket socket, const Handler* handler)
      : socket_(std::move(socket)), handler_(handler) {}

  void Read() {
    request_ = {};
    http::async_read(socket_, buffer_, request_,
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (ec) return;  // closed, or a malformed request: drop the connection
                       self->Answer();
                     });
  }

 private:
  void Answer() {
    response_ = (*handler_)(request_);
    response_.version(request_.version());
    response_.keep_alive(request_.keep_alive());
    response_.prepare_payload();
    http::async_write(socket_, response_,
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (ec || !self->response_.keep_alive()) {
                          boost::system::error_code ignored;
                          self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
                          return;
                        }
                        self->Read();
                      });
  }

  tcp::socket socket_;
  const Handler* handler_;
  boost::beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

}  // namespace

class AdminServer::Impl {
 public:
  Impl(AdminServerOptions options, const MetricsRegistry* registry, const HealthState* health)
      : options_(std::move(options)),
        registry_(registry),
        health_(health),
        acceptor_(io_),
        handler_(
            [this](const http::request<http::string_body>& request) { return Handle(request); }) {}

  Status Listen(const std::string& host, std::uint16_t port) {
    boost::system::error_code ec;
    const tcp::endpoint endpoint(asio::ip::make_address(host), port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Unavailable("admin endpoint: cannot listen on " + options_.listen + ": " +
                         ec.message());
    }
    Accept();
    thread_ = std::thread([this] { io_.run(); });
    return Status();
  }

  void Stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      io_.stop();  // pending sessions are destroyed with the io_context
    });
    thread_.join();
  }

  tcp::endpoint local() const {
    boost::system::error_code ec;
    return acceptor_.local_endpoint(ec);
  }

 private:
  void Accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (!ec) std::make_shared<Session>(std::move(socket), &handler_)->Read();
      Accept();
    });
  }

  http::response<http::string_body> Handle(const http::request<http::string_body>& request) {
    http::response<http::string_body> response;
    const auto raw = request.target();
    std::string_view target(raw.data(), raw.size());
    if (const std::size_t q = target.find('?'); q != std::string_view::npos) {
      target = target.substr(0, q);
    }
    if (target != "/metrics" && target != "/healthz" && target != "/readyz") {
      response.result(http::status::not_found);
      response.set(http::field::content_type, "text/plain; charset=utf-8");
      response.body() = "not found; try /metrics, /healthz or /readyz\n";
      return response;
    }
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
      response.result(http::status::method_not_allowed);
      response.set(http::field::allow, "GET, HEAD");
      return response;
    }
    if (target == "/metrics") {
      response.result(http::status::ok);
      response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      response.body() = registry_->RenderText();
    } else {
      const HealthSnapshot snapshot = health_->Snapshot();
      const auto now = HealthSnapshot::Clock::now();
      const HealthVerdict verdict = target == "/healthz"
                                        ? EvaluateLiveness(snapshot, now, options_.stall_limit)
                                        : EvaluateReadiness(snapshot, now, options_.stall_limit);
      response.result(verdict.ok ? http::status::ok : http::status::service_unavailable);
      response.set(http::field::content_type, "application/json");
      response.body() = verdict.json;
    }
    response.set(http::field::cache_control, "no-store");
    if (request.method() == http::verb::head) response.body().clear();
    return response;
  }

  AdminServerOptions options_;
  const MetricsRegistry* registry_;
  const HealthState* health_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_;
  Session::Handler handler_;
  std::thread thread_;
};

Result<std::unique_ptr<AdminServer>> AdminServer::Start(const AdminServerOptions& options,
                                                        const MetricsRegistry* registry,
                                                        const HealthState* health) {
  std::string host;
  std::uint16_t port = 0;
  FANOUT_RETURN_IF_ERROR(ParseListenAddress(options.listen, &host, &port));
  auto impl = std::make_unique<Impl>(options, registry, health);
  FANOUT_RETURN_IF_ERROR(impl->Listen(host, port));
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(impl)));
}

AdminServer::AdminServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AdminServer::~AdminServer() { Stop(); }

void AdminServer::Stop() {
  if (impl_) impl_->Stop();
}

std::uint16_t AdminServer::port() const { return impl_->local().port(); }

std::string AdminServer::address() const {
  const tcp::endpoint endpoint = impl_->local();
  const std::string host = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + host + "]" : host) + ":" +
         std::to_string(endpoint.port());
}

}  // namespace fanout
