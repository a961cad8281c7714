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

namespace {

// Beast takes its own string_view (Boost's, not std's, in the Boost of Debian 12).
boost::beast::string_view BeastView(std::string_view text) { return {text.data(), text.size()}; }

}  // namespace

std::shared_ptr<HttpRequest> MakeHttpRequest(boost::beast::http::verb method, std::string target,
                                             const HttpRequestHeaders& headers, std::string body) {
  namespace http = boost::beast::http;
  auto request = std::make_shared<HttpRequest>(method, std::move(target), 11);
  request->set(http::field::host, BeastView(headers.host_header));
  request->set(http::field::user_agent, "fanout");
  if (!headers.authorization.empty()) {
    request->set(http::field::authorization, BeastView(headers.authorization));
  }
  if (!headers.content_type.empty())
    request->set(http::field::content_type, BeastView(headers.content_type));
  request->keep_alive(true);
  request->body() = std::move(body);
  request->prepare_payload();
  return request;
}

}  // namespace fanout
