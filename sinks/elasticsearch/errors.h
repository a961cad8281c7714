// The one place where the Elasticsearch sink decides what became of its requests, per bulk item
// and per whole `_bulk` request (docs/ARCHITECTURE.md#failure-handling). The answers and their
// outcomes are tabled in README.md here, "Outcomes"; tests/unit/sinks/elasticsearch/
// errors_test.cc holds this file to that table.
//
// An action of two items (a moved document) gets the worse outcome of them (KeepWorse). Messages
// carry the server's error type and reason, never documents: Elasticsearch's "Preview of field's
// value" is cut off, causes are named by type only, a long bracketed quote (an `_id`, a name)
// keeps its first 40 bytes, and a reason is at most kMaxReasonBytes. Pure: no I/O; `now` is
// passed in for Retry-After dates.
#ifndef FANOUT_SINKS_ELASTICSEARCH_ERRORS_H_
#define FANOUT_SINKS_ELASTICSEARCH_ERRORS_H_

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "processor/core/status.h"
#include "sinks/elasticsearch/action.h"
#include "sinks/elasticsearch/responses.h"
#include "sinks/net/http_exchange.h"
#include "sinks/sink.h"

namespace fanout {

inline constexpr std::size_t kMaxReasonBytes = 300;

// "<type>: <reason> (caused by <cause type>)", without the document preview, long quotes
// shortened, folded to one line and cut at kMaxReasonBytes (never inside a UTF-8 character).
std::string FormatItemError(const BulkItemResult& item);

ActionResult ClassifyBulkItem(BulkItemKind kind, const BulkItemResult& item);

// What to do with the actions of one `_bulk` exchange.
struct BulkOutcome {
  bool split = false;                 // send each half of the actions as its own request
  std::vector<ActionResult> results;  // one per action, unless split
};

// Classifies the exchange that carried `actions` (in request order), reading a 2xx body with
// `parser`.
BulkOutcome ClassifyBulk(const HttpExchangeResult& exchange,
                         std::span<const ElasticsearchAction* const> actions,
                         ResponseParser& parser, std::chrono::system_clock::time_point now);

// Sink::Start's answer for `GET /`: OK for a 2xx from Elasticsearch 7+ or any OpenSearch
// (`*server` says which, for the log), and for a 403 (the user may write without the `monitor`
// privilege the root endpoint needs); FailedPrecondition for refused credentials (401), a
// server that is not Elasticsearch/OpenSearch or is too old, a redirect or another 4xx;
// Unavailable when the server cannot be reached or answers 408, 429 or 5xx.
Status ClassifyStart(const HttpExchangeResult& exchange, ResponseParser& parser,
                     std::string* server);

}  // namespace fanout

#endif  // FANOUT_SINKS_ELASTICSEARCH_ERRORS_H_
