// Builds what the HTTP sink POSTs for one event of one route. Pure: no I/O, no client.
//
//   target   the sink URL's path, then the route's `path` template: its literal text as written,
//            each placeholder's value percent-encoded as one path segment
//   key      the Idempotency-Key: "<route>:<source id>", see processor/core/idempotency_key.h
//   body     `value: after` (default): a JSON object
//              {"op":"u","table":"public.customers","key":{...},"after":{...}|null,
//               "before":{...}|null,"position":"pg:...","idempotency_key":"..."}
//            with the route's projection applied to both images (the key row as it is);
//            `value: envelope`: the source record's value bytes unchanged. In batch mode
//            (batch_size > 1) each action is one element of a JSON array, and an envelope
//            element is {"idempotency_key":"...","envelope":<value>}.
#ifndef FANOUT_SINKS_HTTP_ACTION_BUILDER_H_
#define FANOUT_SINKS_HTTP_ACTION_BUILDER_H_

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "processor/core/change_event.h"
#include "processor/core/kafka_record.h"
#include "processor/core/status.h"
#include "sinks/http/action.h"
#include "sinks/sink.h"

namespace fanout {

class CompiledRoute;

enum class HttpValueMode { kAfter, kEnvelope };

class HttpActionBuilder final : public ActionBuilder {
 public:
  // Checks the route for an HTTP sink whose URL path is `base_path`: the option `value`
  // (after | envelope) and at most one `path` template; in batch mode (`batch`) no `path` at all,
  // since one request carries the actions of many routes. InvalidArgument names the option.
  static Result<std::unique_ptr<HttpActionBuilder>> Create(const RouteBinding& binding,
                                                           std::string base_path, bool batch);

  // InvalidArgument when the `path` template cannot be filled for `event`. A null action for an
  // envelope route when the record has no value (there is nothing to forward).
  Result<std::unique_ptr<SinkAction>> Build(const ChangeEvent& event,
                                            const KafkaRecordView& record) const override;

  HttpValueMode mode() const { return mode_; }

 private:
  HttpActionBuilder(const CompiledRoute& route, HttpValueMode mode, std::string base_path,
                    bool batch)
      : route_(route), mode_(mode), base_path_(std::move(base_path)), batch_(batch) {}

  const CompiledRoute& route_;
  HttpValueMode mode_;
  std::string base_path_;
  bool batch_;
};

// The body of one batch request: the actions' bodies as one JSON array.
std::string BatchBody(std::span<const HttpAction* const> actions);

// Percent-encodes what may not appear as-is in a request target: every byte but RFC 3986
// unreserved and sub-delims characters, ':', '@', '/' and '?' (so '%' itself is encoded too).
// For the literal text of a `path` template, which may hold '/' and a query on purpose.
void AppendEncodedPath(std::string_view text, std::string* out);

// Percent-encodes a value (a row's data) as one path segment: every byte but RFC 3986 unreserved
// characters (A-Z a-z 0-9 - . _ ~), so '/', '?', '#', '&', '=', ';' and '%' in a value cannot
// change the path's structure or start a query. InvalidArgument for "." and "..": no encoding makes
// those harmless, since RFC 3986 (2.3, 6.2.2.2) lets a server or proxy decode "%2E%2E" back to
// ".." before it removes dot segments.
Status AppendEncodedPathSegment(std::string_view value, std::string* out);

}  // namespace fanout

#endif  // FANOUT_SINKS_HTTP_ACTION_BUILDER_H_
