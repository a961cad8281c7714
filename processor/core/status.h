// Status and Result<T>: how every fallible call on the data path reports failure.
//
// No exceptions cross the data path. A Status is OK or carries a code and a message; the code
// tells the caller what to do (retry, dead-letter the record, stop), the message tells a human
// why. Both types are cheap to move and safe to use from any thread (no shared state).
#ifndef FANOUT_PROCESSOR_CORE_STATUS_H_
#define FANOUT_PROCESSOR_CORE_STATUS_H_

#include <cassert>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace fanout {

// Canonical codes, with the meaning the engine gives them (after absl::StatusCode).
enum class StatusCode : std::uint8_t {
  kOk = 0,
  kInvalidArgument,     // the input itself is wrong (bad config, undecodable record): do not retry
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // an effect was already applied (e.g. a version conflict): count as done
  kFailedPrecondition,  // the system is not in a state to do this; fix the state, then retry
  kUnavailable,         // a server or broker cannot be reached now: retry with backoff
  kDeadlineExceeded,    // timed out; the operation may or may not have happened
  kResourceExhausted,   // over a bound (queue full, throttled): back off
  kAborted,             // a transaction was aborted: retry at the transaction level
  kCancelled,           // shutdown or revocation interrupted the work
  kDataLoss,            // data is corrupt or missing
  kInternal,            // a bug or an unclassified error: stop
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  static Status Ok() { return Status(); }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  std::string_view message() const { return state_ ? std::string_view(state_->message) : ""; }

  // Returns a copy whose message is prefixed by `context` ("decode inventory.public.x[0]@42: ...").
  Status WithContext(std::string_view context) const;
  // "OK" or "<CodeName>: <message>".
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  // Null when OK, so success costs one pointer and nothing else.
  std::shared_ptr<const State> state_;
};

Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status FailedPrecondition(std::string message);
Status Unavailable(std::string message);
Status DeadlineExceeded(std::string message);
Status ResourceExhausted(std::string message);
Status Internal(std::string message);
Status DataLoss(std::string message);

// A value of T, or the non-OK Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : storage_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : storage_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(storage_).ok() && "Result needs a value or a non-OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(storage_); }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok().
  T& value() & { return std::get<T>(storage_); }
  const T& value() const& { return std::get<T>(storage_); }
  T&& value() && { return std::get<T>(std::move(storage_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

  // OK when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(storage_); }

 private:
  std::variant<T, Status> storage_;
};

}  // namespace fanout

#define FANOUT_CONCAT_INNER_(a, b) a##b
#define FANOUT_CONCAT_(a, b) FANOUT_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define FANOUT_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::fanout::Status fanout_status_ = (expr);        \
    if (!fanout_status_.ok()) return fanout_status_; \
  } while (false)

// `lhs = value of rexpr`, or returns its Status from the enclosing function.
#define FANOUT_ASSIGN_OR_RETURN(lhs, rexpr) \
  FANOUT_ASSIGN_OR_RETURN_IMPL_(FANOUT_CONCAT_(fanout_result_, __LINE__), lhs, rexpr)
#define FANOUT_ASSIGN_OR_RETURN_IMPL_(result, lhs, rexpr) \
  auto result = (rexpr);                                  \
  if (!result.ok()) return result.status();               \
  lhs = std::move(result).value()

#endif  // FANOUT_PROCESSOR_CORE_STATUS_H_
