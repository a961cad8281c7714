#include "sinks/net/http_client.h"

#include <string>
#include <utility>

namespace fanout {

std::shared_ptr<HttpClient> MakeHttpClient(NetStrand strand, const HttpUrl& url, std::size_t size,
                                           std::shared_ptr<const TlsContext> tls) {
  return std::make_shared<HttpClient>(
      size, [strand, host = url.host, port = std::to_string(url.port), tls = std::move(tls)] {
        return std::make_shared<HttpConnection>(strand, host, port, tls);
      });
}

}  // namespace fanout
