#include "tests/support/opensearch.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "sinks/net/http_client_settings.h"
#include "tests/support/debezium_fixture.h"
#include "tests/support/process.h"

namespace fanout::testing {

OpenSearchClient::OpenSearchClient() {
  Result<HttpUrl> url = ParseHttpUrl(RequireEnv("FANOUT_OPENSEARCH_URL"));
  EXPECT_TRUE(url.ok()) << url.status().ToString();
  if (!url.ok()) return;
  host_ = url->host;
  port_ = url->port;
  base_path_ = url->base_path;
}

HttpReply OpenSearchClient::Call(const std::string& method, const std::string& target,
                                 const std::string& body) {
  return HttpCall(host_, port_, method, base_path_ + target, body);
}

std::optional<std::string> OpenSearchClient::Source(const std::string& index,
                                                    const std::string& id) {
  HttpReply reply = Call("GET", "/" + index + "/_doc/" + id);
  if (reply.status == 404) return std::nullopt;
  EXPECT_EQ(reply.status, 200u) << "GET /" << index << "/_doc/" << id << ": " << reply.body;
  simdjson::dom::parser parser;
  simdjson::dom::element source;
  if (parser.parse(reply.body)["_source"].get(source) != simdjson::SUCCESS) return std::nullopt;
  return simdjson::minify(source);
}

std::string OpenSearchClient::Health() {
  HttpReply reply = Call("GET", "/_cluster/health");
  if (reply.status != 200) return "";
  simdjson::dom::parser parser;
  std::string_view status;
  if (parser.parse(reply.body)["status"].get(status) != simdjson::SUCCESS) return "";
  return std::string(status);
}

bool OpenSearchClient::Refresh(const std::string& index) {
  return Call("POST", "/" + index + "/_refresh").status == 200;
}

OpenSearchServer::~OpenSearchServer() {
  if (stopped_ || client_.Health().empty()) (void)Start();
}

bool OpenSearchServer::Stop() {
  stopped_ = true;
  (void)RunStackScript("stack.sh down opensearch >/dev/null");
  return WaitFor([&] { return client_.Call("GET", "/").status == 0; }, std::chrono::seconds(60));
}

bool OpenSearchServer::Start(std::chrono::seconds timeout) {
  auto healthy = [&] {
    const std::string health = client_.Health();
    return health == "green" || health == "yellow";
  };
  // Others share the stack: someone may have brought it up already (`stack.sh up` is what
  // scripts run when they find a server down). Starting a second one would fail on the data
  // directory's lock and leave the pid file pointing at it.
  if (!healthy()) {
    // `up` waits for yellow health itself; its status is not trusted alone, for the same reason.
    (void)RunStackScript("stack.sh up opensearch >/dev/null");
  }
  const bool up = WaitFor(healthy, timeout);
  if (up) stopped_ = false;
  return up;
}

}  // namespace fanout::testing
