// The one place where the Elasticsearch sink decides what became of its requests (DESIGN.md §4).
//
// Per bulk item (status and error type as the server answered):
//   2xx                                     applied
//   404 of a delete                         applied: the document is not there (any more)
//   409 (version_conflict_engine_exception) already applied: the index holds this version or a
//                                           newer one
//   cluster_block_exception (any status)    unavailable: the index takes no writes (read-only
//                                           after the flood-stage disk watermark, a write block)
//                                           until someone lifts the block; not counted
//   503 (unavailable_shards_exception)      unavailable: the shard has no active primary
//   429 (es_rejected_execution_exception,
//   circuit_breaking_exception), 408, 5xx   retry (counted)
//   401, 403 (security_exception)           fatal: the credentials may not write there
//   other 4xx (mapper_parsing_exception,
//   illegal_argument_exception, ...)        bad record, with "<type>: <reason>"
//   anything else                           retry
//
// The whole request:
//   a transport failure                     as the HTTP client classifies it: refused, reset,
//                                           DNS, connect timeout → unavailable; timeout while
//                                           sending or waiting → retry; Close() → unavailable
//   2xx                                     per item, as above
//   2xx that cannot be read                 retry (a response cut off at the client's 1 MiB
//                                           limit splits the batch instead)
//   400, 413                                split the batch in halves and send each (an item the
//                                           server validates as a whole request, e.g. an `_id`
//                                           over 512 bytes, or a document over
//                                           http.max_content_length); one action alone: bad
//                                           record
//   401, 403                                fatal (403 with cluster_block_exception: unavailable)
//   3xx, 404, 405, 415                      fatal: `url` does not lead to the _bulk API
//   408, 409, 429, 5xx but 503              retry, honouring Retry-After
//   503                                     unavailable, honouring Retry-After
//   other 4xx                               bad record
//
// An action of two items (a moved document) gets the worse outcome of them, in the order
// applied < already applied < retry < unavailable < bad record < fatal.
//
// Messages carry the server's error type and reason, never documents: Elasticsearch's "Preview
// of field's value" is cut off, causes are named by type only, a long bracketed quote (an `_id`,
// a name) keeps its first 40 bytes, and a reason is at most kMaxReasonBytes. Pure: no I/O;
// `now` is passed in for Retry-After dates.
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
