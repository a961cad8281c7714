// libFuzzer target for the Redis sink's reply handling: RespReader (sinks/redis/resp.cc, the
// project's wrapper around hiredis's reply parser) fed arbitrary server bytes, and the
// classification of what it returns (sinks/redis/errors.cc). Build and run: tests/fuzz/README.md.
//
// Input: byte 0 chooses how the rest is fed (0: at once; n: in pieces of n % 32 bytes, as
// several socket reads would), the rest is what the server sent.
//
// Aborts when
//   - Feed or Next fails with anything but DataLoss;
//   - feeding in pieces gives other replies (or another failure) than feeding at once;
//   - the replies, written back as RESP, do not parse into the same replies;
//   - a reply is classified against the table of errors.h (an error reply applied, an integer
//     to UNLINK not applied, a guard answer other than 0/1 not retried, a non-integer not
//     retried), a handshake error is neither unavailable nor fatal, a reconnecting error is not
//     unavailable, NOSCRIPT is not retried, or a message quotes more than kMaxServerMessage
//     bytes of the server's text;
//   - a protocol failure, as the connection reports it, is not retried (unavailable during the
//     handshake), or StartStatus gives a code Sink::Start may not return.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sinks/redis/errors.h"
#include "sinks/redis/resp.h"

namespace {

using fanout::ActionOutcome;
using fanout::ActionResult;
using fanout::RespReply;

void Check(bool ok) {
  if (!ok) std::abort();
}

struct Parsed {
  std::vector<RespReply> replies;
  bool failed = false;
};

bool Same(const RespReply& a, const RespReply& b) {
  if (a.type != b.type || a.integer != b.integer || a.text != b.text ||
      a.elements.size() != b.elements.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.elements.size(); ++i) {
    if (!Same(a.elements[i], b.elements[i])) return false;
  }
  return true;
}

bool Same(const Parsed& a, const Parsed& b) {
  if (a.failed != b.failed || a.replies.size() != b.replies.size()) return false;
  for (std::size_t i = 0; i < a.replies.size(); ++i) {
    if (!Same(a.replies[i], b.replies[i])) return false;
  }
  return true;
}

// Takes every complete reply after each piece, as RedisConnection::OnRead does.
Parsed Parse(std::string_view bytes, std::size_t piece) {
  fanout::RespReader reader;
  Parsed out;
  if (piece == 0) piece = bytes.size() + 1;
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    const fanout::Status fed = reader.Feed(bytes.substr(at, piece));
    if (!fed.ok()) {
      Check(fed.code() == fanout::StatusCode::kDataLoss);
      out.failed = true;
      return out;
    }
    while (true) {
      fanout::Result<std::optional<RespReply>> next = reader.Next();
      if (!next.ok()) {
        Check(next.status().code() == fanout::StatusCode::kDataLoss);
        out.failed = true;
        return out;
      }
      if (!next->has_value()) break;
      out.replies.push_back(std::move(**next));
    }
  }
  return out;
}

void Write(const RespReply& reply, std::string* out) {
  switch (reply.type) {
    case RespReply::Type::kString:
      fanout::AppendRespBulk(reply.text, out);
      return;
    case RespReply::Type::kStatus:
      *out += '+' + reply.text + "\r\n";
      return;
    case RespReply::Type::kError:
      *out += '-' + reply.text + "\r\n";
      return;
    case RespReply::Type::kInteger:
      *out += ':' + std::to_string(reply.integer) + "\r\n";
      return;
    case RespReply::Type::kNil:
      *out += "$-1\r\n";
      return;
    case RespReply::Type::kArray:
      fanout::AppendRespArrayHeader(reply.elements.size(), out);
      for (const RespReply& element : reply.elements) Write(element, out);
      return;
  }
}

// The server's text quoted in a message is cut at kMaxServerMessage; the rest is ours.
void CheckMessage(const ActionResult& result) {
  Check(result.message.size() <= fanout::kMaxServerMessage + 120);
}

void CheckReply(const RespReply& reply) {
  using fanout::RedisCommandKind;
  for (RedisCommandKind kind : {RedisCommandKind::kInvalidate, RedisCommandKind::kGuardedWrite,
                                RedisCommandKind::kPublish}) {
    const ActionResult result = fanout::ClassifyReply(kind, reply);
    CheckMessage(result);
    if (reply.is_error()) {
      Check(result.outcome != ActionOutcome::kApplied &&
            result.outcome != ActionOutcome::kAlreadyApplied);
    } else if (reply.type != RespReply::Type::kInteger) {
      Check(result.outcome == ActionOutcome::kRetry);
    } else if (kind != RedisCommandKind::kGuardedWrite) {
      Check(result.outcome == ActionOutcome::kApplied);
    } else {
      Check(result.outcome == (reply.integer == 1   ? ActionOutcome::kApplied
                               : reply.integer == 0 ? ActionOutcome::kAlreadyApplied
                                                    : ActionOutcome::kRetry));
    }
  }
  const ActionResult error = fanout::ClassifyErrorReply(reply.text);
  CheckMessage(error);
  if (fanout::ErrorReplyNeedsReconnect(reply.text)) {
    Check(error.outcome == ActionOutcome::kUnavailable);
  }
  if (fanout::IsNoScript(reply)) Check(error.outcome == ActionOutcome::kRetry);
  const ActionResult handshake = fanout::ClassifyHandshakeError(reply.text);
  CheckMessage(handshake);
  Check(handshake.outcome == ActionOutcome::kUnavailable ||
        handshake.outcome == ActionOutcome::kFatal);
  for (const RespReply& element : reply.elements) CheckReply(element);
}

void CheckStartStatus(const ActionResult& result) {
  const fanout::Status status = fanout::StartStatus(result);
  Check(status.ok() || status.code() == fanout::StatusCode::kFailedPrecondition ||
        status.code() == fanout::StatusCode::kUnavailable);
}

// hiredis 0.14 allocates the element pointers of a multi-bulk reply as soon as it reads its
// header, and accepts counts up to INT_MAX: "*2147483647\r\n" asks for 16 GiB. Virtual memory
// that is never touched in production, but ASan maps shadow for all of it and libFuzzer counts
// that as running out of memory. A count of 8 digits or more is left out (hiredis's behaviour,
// not the project's: see README.md).
bool HugeMultiBulk(std::string_view bytes) {
  for (std::size_t at = bytes.find('*'); at != std::string_view::npos;
       at = bytes.find('*', at + 1)) {
    std::size_t i = at + 1;
    if (i < bytes.size() && (bytes[i] == '+' || bytes[i] == '-')) ++i;
    std::size_t digits = 0;
    while (i + digits < bytes.size() && bytes[i + digits] >= '0' && bytes[i + digits] <= '9') {
      ++digits;
    }
    if (digits >= 8) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 64 * 1024) return 0;
  const std::size_t piece = data[0] % 32;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  if (HugeMultiBulk(bytes)) return 0;

  const Parsed parsed = Parse(bytes, piece);
  Check(Same(parsed, Parse(bytes, 0)));

  std::string written;
  for (const RespReply& reply : parsed.replies) Write(reply, &written);
  const Parsed reparsed = Parse(written, 0);
  Check(!reparsed.failed && Same(reparsed, Parsed{parsed.replies, false}));

  for (const RespReply& reply : parsed.replies) CheckReply(reply);

  // A failure as RedisConnection reports it: the reader's message as the server error.
  if (parsed.failed) {
    fanout::RespReader reader;
    fanout::Status status = reader.Feed(bytes);
    std::string message(status.message());
    while (status.ok()) {
      fanout::Result<std::optional<RespReply>> next = reader.Next();
      if (!next.ok()) {
        message = std::string(next.status().message());
        break;
      }
      Check(next->has_value());  // it failed before, so it must fail again
    }
    for (fanout::NetStage stage : {fanout::NetStage::kHandshake, fanout::NetStage::kRead}) {
      fanout::RedisExchangeResult exchange;
      exchange.stage = stage;
      exchange.server_error = message;
      exchange.protocol_error = true;
      exchange.got_response_bytes = true;
      const ActionResult result = fanout::ClassifyExchangeFailure(exchange);
      CheckMessage(result);
      Check(result.outcome == (stage == fanout::NetStage::kHandshake ? ActionOutcome::kUnavailable
                                                                     : ActionOutcome::kRetry));
      CheckStartStatus(result);
      Check(!fanout::IsStaleConnectionFailure(exchange));
    }
  }
  for (const RespReply& reply : parsed.replies) {
    if (reply.is_error()) {
      CheckStartStatus(fanout::ClassifyHandshakeError(reply.text));
    }
  }
  return 0;
}
