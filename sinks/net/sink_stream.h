// SinkStream: the byte stream under a sink's connection: plain TCP, or TLS over TCP, chosen once
// when the connection is made. Connections (sinks/net/tcp_connection.h, under Redis's and HTTP's)
// connect its tcp() layer, call AsyncHandshake() (a no-op without TLS), then read and write it
// like any Asio stream; deadlines stay on the tcp() layer, which bounds the TLS records too.
//
// TlsContext: what every connection of one sink shares: the trusted CAs, the client
// certificate, whether to verify. Made once when the sink is created, so a missing or broken
// file is a configuration error at startup, not a failure of every connection later.
//
// Thread-safety: a SinkStream is used from its connection's strand only. A TlsContext is
// immutable once made and shared between connections (OpenSSL's SSL_CTX is thread-safe for
// that use).
#ifndef FANOUT_SINKS_NET_SINK_STREAM_H_
#define FANOUT_SINKS_NET_SINK_STREAM_H_

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "processor/core/status.h"
#include "sinks/net/tls_settings.h"

namespace fanout {

class TlsContext {
 public:
  // Reads the CA, certificate and key files of `settings`. InvalidArgument names the setting
  // whose file cannot be used, with OpenSSL's reason. Null (plain TCP) when the url did not ask
  // for TLS (`settings.enabled` false).
  static Result<std::shared_ptr<const TlsContext>> Make(const TlsSettings& settings);

  const std::string& server_name() const { return server_name_; }
  bool verify() const { return verify_; }
  boost::asio::ssl::context& native() const { return context_; }

 private:
  TlsContext() : context_(boost::asio::ssl::context::tls_client) {}

  // OpenSSL keeps its own locking; Asio's wrapper has no const accessors.
  mutable boost::asio::ssl::context context_;
  std::string server_name_;
  bool verify_ = true;
};

class SinkStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;

  // Plain TCP when `tls` is null.
  SinkStream(const executor_type& executor, std::shared_ptr<const TlsContext> tls);
  SinkStream(const SinkStream&) = delete;
  SinkStream& operator=(const SinkStream&) = delete;

  executor_type get_executor() { return tcp().get_executor(); }
  boost::beast::tcp_stream& tcp() { return tls_ ? tls_->next_layer() : *plain_; }
  bool tls() const { return tls_.has_value(); }

  // After the TCP connect: the TLS handshake (SNI, certificate and host name checks), bounded
  // by the tcp() layer's expiry. Without TLS, completes at once with no error.
  template <class Handler>
  void AsyncHandshake(Handler&& handler) {
    if (!tls_) {
      boost::asio::post(get_executor(), [handler = std::forward<Handler>(handler)]() mutable {
        handler(boost::system::error_code{});
      });
      return;
    }
    tls_->async_handshake(boost::asio::ssl::stream_base::client, std::forward<Handler>(handler));
  }

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

  // Closes the socket without a TLS close_notify: a connection is only closed when it failed
  // or the sink stops, and neither Redis nor HTTP/1.1 needs one to know where a message ends.
  void Close();

 private:
  std::shared_ptr<const TlsContext> context_;
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_NET_SINK_STREAM_H_
