#include "tests/support/tcp_proxy.h"

#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

namespace fanout::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// One client connection and its upstream connection, relaying both ways.
struct Pipe {
  explicit Pipe(asio::io_context& context) : client(context), server(context) {}
  tcp::socket client;
  tcp::socket server;
  std::array<char, 16384> up{};
  std::array<char, 16384> down{};
  bool closed = false;

  // Resets both sides (linger 0: RST, like a server that died).
  void Reset() {
    if (closed) return;
    closed = true;
    boost::system::error_code ignored;
    for (tcp::socket* socket : {&client, &server}) {
      if (!socket->is_open()) continue;
      socket->set_option(asio::socket_base::linger(true, 0), ignored);
      socket->close(ignored);
    }
  }
};

class TcpProxy::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(std::string host, std::uint16_t port)
      : upstream_host_(std::move(host)), upstream_port_(port), acceptor_(context_) {}

  void Open(std::uint16_t port) {
    boost::system::error_code error;
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    acceptor_.open(endpoint.protocol(), error);
    if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
    if (!error) acceptor_.bind(endpoint, error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      return;
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
  }

  void Run() {
    thread_ = std::thread([self = shared_from_this()] { self->context_.run(); });
  }

  // Runs `task` on the proxy's thread and waits for it.
  template <typename Task>
  auto OnThread(Task task) -> decltype(task()) {
    std::packaged_task<decltype(task())()> packaged(std::move(task));
    auto future = packaged.get_future();
    asio::post(context_, [&packaged] { packaged(); });
    return future.get();
  }

  void Accept() {
    auto pipe = std::make_shared<Pipe>(context_);
    acceptor_.async_accept(
        pipe->client, [self = shared_from_this(), pipe](const boost::system::error_code& error) {
          if (error) return;  // closed by Cut()
          ++self->accepted_;
          self->pipes_.push_back(pipe);
          self->Connect(pipe);
          self->Accept();
        });
  }

  void Connect(const std::shared_ptr<Pipe>& pipe) {
    tcp::endpoint upstream(asio::ip::make_address(upstream_host_), upstream_port_);
    pipe->server.async_connect(
        upstream, [self = shared_from_this(), pipe](const boost::system::error_code& error) {
          if (error) {
            pipe->Reset();
            return;
          }
          self->Relay(pipe, &pipe->client, &pipe->server, &pipe->up);
          self->Relay(pipe, &pipe->server, &pipe->client, &pipe->down);
        });
  }

  void Relay(const std::shared_ptr<Pipe>& pipe, tcp::socket* from, tcp::socket* to,
             std::array<char, 16384>* buffer) {
    from->async_read_some(
        asio::buffer(*buffer), [self = shared_from_this(), pipe, from, to, buffer](
                                   const boost::system::error_code& error, std::size_t n) {
          if (error) {
            // EOF or reset on one side: pass a clean close on, so the peer sees what a direct
            // connection would have shown.
            if (!pipe->closed) {
              boost::system::error_code ignored;
              if (error == asio::error::eof) {
                to->shutdown(tcp::socket::shutdown_send, ignored);
              } else {
                pipe->Reset();
              }
            }
            return;
          }
          asio::async_write(*to, asio::buffer(buffer->data(), n),
                            [self, pipe, from, to, buffer](const boost::system::error_code& written,
                                                           std::size_t) {
                              if (written) {
                                pipe->Reset();
                                return;
                              }
                              self->Relay(pipe, from, to, buffer);
                            });
        });
  }

  void Cut() {
    OnThread([this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      for (const auto& weak : pipes_) {
        if (auto pipe = weak.lock()) pipe->Reset();
      }
      pipes_.clear();
      return 0;
    });
  }

  bool Restore() {
    return OnThread([this] {
      if (acceptor_.is_open()) return true;
      const std::uint16_t port = port_;
      Open(port);
      return acceptor_.is_open();
    });
  }

  // Closes everything; the thread ends once the aborted handlers have run (they hold the Impl).
  void Stop() {
    if (!thread_.joinable()) return;
    Cut();
    asio::post(context_, [this] { work_.reset(); });
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  std::size_t accepted() const { return accepted_; }

 private:
  std::string upstream_host_;
  std::uint16_t upstream_port_;
  asio::io_context context_;
  tcp::acceptor acceptor_;
  std::list<std::weak_ptr<Pipe>> pipes_;  // proxy thread only
  std::atomic<std::uint16_t> port_{0};
  std::atomic<std::size_t> accepted_{0};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(context_)};
  std::thread thread_;
};

TcpProxy::TcpProxy(std::string upstream_host, std::uint16_t upstream_port)
    : impl_(std::make_shared<Impl>(std::move(upstream_host), upstream_port)) {
  impl_->Open(0);
  impl_->Run();
}

TcpProxy::~TcpProxy() { impl_->Stop(); }

std::uint16_t TcpProxy::port() const { return impl_->port(); }

std::string TcpProxy::address() const { return "127.0.0.1:" + std::to_string(port()); }

void TcpProxy::Cut() { impl_->Cut(); }

bool TcpProxy::Restore() { return impl_->Restore(); }

std::size_t TcpProxy::connections_accepted() const { return impl_->accepted(); }

}  // namespace fanout::testing
