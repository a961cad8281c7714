// Parsing what Elasticsearch/OpenSearch answers: the `_bulk` response (filtered by
// kBulkFilterPath to the fields classification needs) and `GET /` (the product and version).
// simdjson stays behind this header. Pure: no I/O; only facts, no decisions (errors.h decides).
#ifndef FANOUT_SINKS_ELASTICSEARCH_RESPONSES_H_
#define FANOUT_SINKS_ELASTICSEARCH_RESPONSES_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "processor/core/status.h"

namespace fanout {

// The `filter_path` of every bulk request: the response keeps, per item, only its status and
// error (type, reason and the cause's type), so a batch of thousands of items answers in tens of
// kilobytes instead of megabytes, and nothing of the documents comes back.
inline constexpr std::string_view kBulkFilterPath =
    "errors,items.*.status,items.*.error.type,items.*.error.reason,items.*.error.caused_by.type";

// One item of a bulk response, as the server answered it.
struct BulkItemResult {
  int status = 0;          // HTTP status of the item; 0 when the server gave none
  std::string error_type;  // "mapper_parsing_exception", ...; empty without an error
  std::string reason;      // the error's reason
  std::string cause_type;  // error.caused_by.type, if any
};

struct BulkResponse {
  bool errors = false;                // the server's own "some item failed" flag
  std::vector<BulkItemResult> items;  // in request order; empty when !errors (not parsed)
};

// What `GET /` says about the server.
struct ServerInfo {
  std::string distribution;  // "opensearch", or "" for Elasticsearch (which does not say)
  std::string number;        // "2.19.1", "8.15.0"
  int major = 0;             // from `number`
};

// The message of an error response body ({"error":{"type","reason",...},"status":N}) as
// "<type>: <reason>", or "" when the body is not one (a proxy's HTML page, empty).
std::string ErrorResponseReason(std::string_view body);

// Reuses its buffers across calls. Not thread-safe: one per strand.
class ResponseParser {
 public:
  ResponseParser();
  ~ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  // DataLoss when `body` is not a bulk response: not JSON (or cut off), no `errors`, or, when
  // `errors` is true, no `items` array or an item that is not {"<op>":{"status":...}}.
  Result<BulkResponse> ParseBulk(std::string_view body);

  // DataLoss when `body` is not the JSON of Elasticsearch's or OpenSearch's root endpoint (no
  // version.number).
  Result<ServerInfo> ParseServerInfo(std::string_view body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_ELASTICSEARCH_RESPONSES_H_
