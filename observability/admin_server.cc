#include "observability/admin_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <functional>
#include <list>
#include <memory>
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

// How long a failing accept waits before it is tried again: doubled after each failure from the
// first to the last, back to none after a success. The failures that repeat are exhaustion
// (EMFILE, ENFILE, ENOBUFS, ENOMEM): the pending connection stays in the backlog and the
// listener stays readable, so retrying at once would spin a core without helping.
constexpr std::chrono::milliseconds kFirstAcceptBackoff{10};
constexpr std::chrono::milliseconds kLastAcceptBackoff{1000};

class Session;
// The open connections, ordered by when each began waiting for its current request: the front
// has waited longest. Only the server's thread touches it.
using SessionList = std::list<Session*>;

// One keep-alive connection: read a request, answer it, repeat until the client closes or misses
// a deadline.
class Session : public std::enable_shared_from_this<Session> {
 public:
  using Handler =
      std::function<http::response<http::string_body>(const http::request<http::string_body>&)>;
  Session(tcp::socket socket, const Handler* handler, const AdminServerOptions* options,
          SessionList* sessions)
      : stream_(std::move(socket)),
        handler_(handler),
        options_(options),
        sessions_(sessions),
        slot_(sessions->insert(sessions->end(), this)) {}
  ~Session() { Unlist(); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Read() {
    if (!listed_) return;  // closed while answering
    sessions_->splice(sessions_->end(), *sessions_, slot_);
    reading_ = true;
    request_ = {};
    stream_.expires_after(options_->request_timeout);
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       // Closed, timed out, or a malformed request: drop the connection.
                       if (ec) return self->Close();
                       self->Answer();
                     });
  }

  // Waiting for a request (rather than answering one).
  bool reading() const { return reading_; }

  // Closes the connection now, which also ends its pending operation, and leaves the list: its
  // descriptor is free at once, while the object lives until that operation's handler ran.
  void Close() {
    Unlist();
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();  // the socket, and the deadline's timer
  }

 private:
  void Unlist() {
    if (!listed_) return;
    sessions_->erase(slot_);
    listed_ = false;
  }

  void Answer() {
    reading_ = false;
    response_ = (*handler_)(request_);
    response_.version(request_.version());
    response_.keep_alive(request_.keep_alive());
    response_.prepare_payload();
    stream_.expires_after(options_->write_timeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (ec || !self->response_.keep_alive()) return self->Close();
                        self->Read();
                      });
  }

  boost::beast::tcp_stream stream_;
  const Handler* handler_;
  const AdminServerOptions* options_;
  SessionList* sessions_;
  SessionList::iterator slot_;
  bool listed_ = true;
  bool reading_ = false;
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
        accept_timer_(io_),
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
      accept_timer_.cancel();
      while (!sessions_.empty()) sessions_.front()->Close();
      io_.stop();  // what is still pending is destroyed with the io_context
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
      if (ec) return AcceptLater(ec);
      accept_backoff_ = std::chrono::milliseconds(0);
      Admit(std::move(socket));
      Accept();
    });
  }

  void AcceptLater(const boost::system::error_code& error) {
    if (accept_backoff_.count() == 0) {
      spdlog::warn("admin endpoint: cannot accept a connection ({}); retrying every {} ms at most",
                   error.message(), kLastAcceptBackoff.count());
      accept_backoff_ = kFirstAcceptBackoff;
    } else {
      accept_backoff_ = std::min(accept_backoff_ * 2, kLastAcceptBackoff);
    }
    accept_timer_.expires_after(accept_backoff_);
    accept_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec || !acceptor_.is_open()) return;
      Accept();
    });
  }

  // Over the cap, the connection that has waited longest for its request makes room: a probe or
  // a scrape sends its request at once and is answered in microseconds, so it is never the one
  // closed, however many half-sent requests hold the other slots. (Refusing the newcomer, or
  // leaving it in the backlog, would let 64 idle sockets keep /healthz from answering.) Only when
  // every slot is busy answering is the newcomer closed at once.
  void Admit(tcp::socket socket) {
    if (sessions_.size() >= options_.max_connections) {
      Session* oldest = nullptr;
      for (Session* session : sessions_) {
        if (session->reading()) {
          oldest = session;
          break;
        }
      }
      if (oldest == nullptr) {
        boost::system::error_code ignored;
        socket.close(ignored);
        return;
      }
      oldest->Close();
    }
    std::make_shared<Session>(std::move(socket), &handler_, &options_, &sessions_)->Read();
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
  SessionList sessions_;  // before io_: sessions destroyed with it still unlist themselves
  asio::io_context io_{1};
  tcp::acceptor acceptor_;
  asio::steady_timer accept_timer_;
  std::chrono::milliseconds accept_backoff_{0};  // 0 while accepts succeed
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
