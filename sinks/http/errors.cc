#include "sinks/http/errors.h"

#include <string>

namespace fanout {
namespace {

std::string StatusText(unsigned status) { return "HTTP " + std::to_string(status); }

}  // namespace

ActionResult ClassifyExchange(const HttpExchangeResult& result,
                              std::chrono::system_clock::time_point now) {
  if (result.stage != NetStage::kDone || result.error) return ClassifyHttpTransport(result);
  const unsigned status = result.status;
  if (status >= 200 && status < 300) return ActionResult::Applied();
  const std::chrono::milliseconds after = ParseRetryAfter(result.retry_after, now);
  if (status == 503) return ActionResult::Unavailable(StatusText(status), after);
  // 409: the Idempotency-Key draft (draft-ietf-httpapi-idempotency-key-header) answers it while
  // an earlier request with the same key is still being processed: wait, do not dead-letter.
  if (status == 408 || status == 409 || status == 429 || (status >= 500 && status < 600)) {
    return ActionResult::Retry(StatusText(status), after);
  }
  // Refused: the path may be the record's (HttpSink makes it kFatal when it is not).
  if (status == 401 || status == 403) {
    return ActionResult::Refused(StatusText(status) +
                                 ": the server refused the request (check the credentials: "
                                 "username, password and headers; and the path)");
  }
  if (status >= 300 && status < 400) {
    return ActionResult::BadRecord(StatusText(status) + ": redirects are not followed");
  }
  if (status >= 400 && status < 500) {
    std::string snippet = BodySnippet(result.body);
    return ActionResult::BadRecord(StatusText(status) + (snippet.empty() ? "" : ": " + snippet));
  }
  // 1xx as a final answer, or a status outside 100-599: the server misbehaves; counted.
  return ActionResult::Retry(StatusText(status) + ": unexpected status");
}

}  // namespace fanout
