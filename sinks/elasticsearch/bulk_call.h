// BulkCall: one Sink::Write of the Elasticsearch sink. It sends the batch's actions as one
// `_bulk` request and maps the response back onto them; when the server refuses the request as a
// whole for what may be one item's fault (400, 413: errors.h), it sends each half of the actions
// as its own request, recursively, down to single actions, which then get their own outcome.
// Requests of one call go one after another, first half first, so items for one document keep
// their order.
//
// Thread-safety: none. Start and every completion run on the sink's strand, which also owns the
// BulkContext (its HTTP client and response parser).
#ifndef FANOUT_SINKS_ELASTICSEARCH_BULK_CALL_H_
#define FANOUT_SINKS_ELASTICSEARCH_BULK_CALL_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sinks/elasticsearch/action.h"
#include "sinks/elasticsearch/responses.h"
#include "sinks/net/http_client.h"
#include "sinks/sink.h"

namespace fanout {

// What every request of one sink shares. Used on the sink's strand only.
struct BulkContext {
  std::string sink_name;      // for logs
  std::string bulk_target;    // "<base path>/_bulk?filter_path=..."
  std::string host_header;    // "host:port"
  std::string authorization;  // the Authorization header value, or empty
  std::chrono::milliseconds timeout{10000};
  std::shared_ptr<HttpClient> client;
  ResponseParser parser;
};

// A request of the sink: `method target` with the headers every request carries, and `body`.
std::shared_ptr<const HttpRequest> MakeElasticsearchRequest(const BulkContext& context,
                                                            boost::beast::http::verb method,
                                                            std::string target, std::string body);

class BulkCall : public std::enable_shared_from_this<BulkCall> {
 public:
  using Done = std::function<void(std::vector<ActionResult>)>;

  // `actions` stay alive until `done` has run. `done` runs exactly once, on the strand.
  BulkCall(std::shared_ptr<BulkContext> context, std::vector<const ElasticsearchAction*> actions,
           Done done);

  // Sends the first request. Call on the strand, once.
  void Start();

 private:
  struct Range {
    std::size_t begin = 0;
    std::size_t end = 0;
  };

  // Sends the next range still to do, or calls `done_` when none is left.
  void SendNext();
  void OnExchange(Range range, HttpExchangeResult exchange);

  std::shared_ptr<BulkContext> context_;
  std::vector<const ElasticsearchAction*> actions_;
  std::vector<ActionResult> results_;
  std::vector<Range> todo_;  // a stack: the back goes next
  Done done_;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_ELASTICSEARCH_BULK_CALL_H_
