// HttpClient: HTTP/1.1 requests to one server over at most `size` keep-alive connections (the
// shared ConnectionPool, sinks/net/connection_pool.h, of HttpConnections). The HTTP sink, the
// Elasticsearch/OpenSearch sink and the ClickHouse sink to come send their requests through it,
// without depending on each other.
//
// Submit(request, timeout, done) sends one request and calls `done` exactly once with what the
// connection saw (HttpExchangeResult, sinks/net/http_exchange.h); Connect(timeout, done) opens
// one connection, for Sink::Start; Abort() cancels everything, for Sink::Close.
//
// Thread-safety: none. Make, call and destroy it on one strand; its callbacks run there.
#ifndef FANOUT_SINKS_NET_HTTP_CLIENT_H_
#define FANOUT_SINKS_NET_HTTP_CLIENT_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "sinks/net/connection_pool.h"
#include "sinks/net/http_client_settings.h"
#include "sinks/net/http_connection.h"

namespace fanout {

using HttpClient = ConnectionPool<HttpConnection>;

// A client of `url`'s host and port with `size` connections; plain TCP when `tls` is null.
std::shared_ptr<HttpClient> MakeHttpClient(NetStrand strand, const HttpUrl& url, std::size_t size,
                                           std::shared_ptr<const TlsContext> tls);

// The headers every request of one sink carries.
struct HttpRequestHeaders {
  std::string_view host_header;    // "host:port" as the URL had it
  std::string_view authorization;  // the Authorization value; empty: none
  std::string_view content_type;   // empty: none (a GET)
};

// An HTTP/1.1 keep-alive request with `headers`, User-Agent "fanout" and `body`, its
// Content-Length set. Headers may still be added before it is sent.
std::shared_ptr<HttpRequest> MakeHttpRequest(boost::beast::http::verb method, std::string target,
                                             const HttpRequestHeaders& headers, std::string body);

}  // namespace fanout

#endif  // FANOUT_SINKS_NET_HTTP_CLIENT_H_
