// HttpAction: what the HTTP sink sends for one event of one route: the request target, the
// Idempotency-Key and the body (action_builder.h says how each is made). Immutable after
// construction; safe to read from any thread.
#ifndef FANOUT_SINKS_HTTP_ACTION_H_
#define FANOUT_SINKS_HTTP_ACTION_H_

#include <string>
#include <utility>

#include "sinks/sink.h"

namespace fanout {

// One POST (or, in batch mode, one element of one). Owns its bytes.
class HttpAction final : public SinkAction {
 public:
  HttpAction(std::string target, std::string idempotency_key, std::string body)
      : target_(std::move(target)),
        idempotency_key_(std::move(idempotency_key)),
        body_(std::move(body)) {}

  const std::string& target() const { return target_; }
  const std::string& idempotency_key() const { return idempotency_key_; }
  // The request body, or in batch mode this action's element of the array.
  const std::string& body() const { return body_; }

 private:
  std::string target_;
  std::string idempotency_key_;
  std::string body_;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_HTTP_ACTION_H_
