// libFuzzer target for the HTTP sink's response handling: raw response bytes through Beast's
// response_parser, set up and read as HttpConnection::OnRead does (sinks/net/http_connection.cc:
// body limit kMaxResponseBody, a cut-off body still counts, Retry-After and the body kept), then
// the classification of the exchange (sinks/http/errors.cc: ClassifyExchange, ParseRetryAfter,
// BodySnippet). Build and run: tests/fuzz/README.md.
//
// Input: byte 0 chooses how the rest is fed (0: at once; n: in pieces of n % 64 bytes, as
// socket reads would), then the bytes the server sent; the connection then sees end of stream.
//
// Aborts when
//   - feeding in pieces reads a response when feeding at once does not (or the other way round),
//     or reads another one (unless one of them stopped at the body limit: see Same());
//   - a response that was read is classified against the table of errors.h (2xx not applied,
//     503 not unavailable, 401/403 not refused, other 4xx and 3xx not a bad record, 408/409/429/5xx
//     not retried) or a failed read is classified as applied, bad record or fatal;
//   - ParseRetryAfter gives a negative wait or one above kMaxRetryAfter, or a wait for a
//     response other than 408/409/429/5xx;
//   - BodySnippet gives more than kMaxBodySnippet bytes, invalid UTF-8 or control characters.
#include <algorithm>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "sinks/http/errors.h"
#include "sinks/net/http_connection.h"

namespace {

namespace http = boost::beast::http;
using fanout::ActionOutcome;
using fanout::HttpExchangeResult;

void Check(bool ok) {
  if (!ok) std::abort();
}

bool OneLineText(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    std::size_t length = 0;
    if (c >= 0xc2 && c <= 0xdf) length = 2;
    if (c >= 0xe0 && c <= 0xef) length = 3;
    if (c >= 0xf0 && c <= 0xf4) length = 4;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

struct Read {
  HttpExchangeResult result;
  bool keep_alive = false;
  bool cut_off = false;  // read up to the body limit, as OnRead takes it
};

// What http::async_read over a flat_buffer does with the bytes, then what OnRead makes of it.
Read ReadResponse(std::string_view bytes, std::size_t piece) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(fanout::kMaxResponseBody);
  boost::beast::flat_buffer buffer;
  boost::system::error_code error;
  std::size_t fed = 0;
  if (piece == 0) piece = bytes.size() + 1;
  while (!parser.is_done()) {
    if (buffer.size() == 0 || error == http::error::need_more) {
      error = {};
      if (fed == bytes.size()) {  // the server closed the connection: what read_some does
        if (parser.got_some()) {
          parser.put_eof(error);
        } else {
          error = http::error::end_of_stream;
        }
        break;
      }
      const std::size_t n = std::min(piece, bytes.size() - fed);
      auto room = buffer.prepare(n);
      std::memcpy(room.data(), bytes.data() + fed, n);
      buffer.commit(n);
      fed += n;
    }
    const std::size_t used = parser.put(buffer.data(), error);
    buffer.consume(used);
    if (error == http::error::need_more) continue;
    if (error) break;
  }
  Read out;
  out.result.reused_connection = true;
  const bool cut_off = error == http::error::body_limit && parser.is_header_done();
  if (error && !cut_off) {
    out.result.stage = fanout::NetStage::kRead;
    out.result.error = error;
    out.result.got_response_bytes = parser.got_some();
    return out;
  }
  http::response<http::string_body>& response = parser.get();
  out.result.stage = fanout::NetStage::kDone;
  out.result.got_response_bytes = true;
  out.result.status = response.result_int();
  if (auto it = response.find(http::field::retry_after); it != response.end()) {
    out.result.retry_after = std::string(it->value());
  }
  out.result.body = std::move(response.body());
  out.keep_alive = !cut_off && response.keep_alive();
  out.cut_off = cut_off;
  return out;
}

// Which error a malformed response fails with may depend on where the reads cut it (Beast
// validates a header line as it arrives, or only once its end is there): only read or not, and
// what was read, must not. Except for the body limit: Beast 1.74 takes a chunk's size off the
// limit each time it parses the chunk's header, and parses it again after every read while a
// quoted chunk extension runs on ("214e;x=\"..."), so small reads can hit the limit where one
// read does not. OnRead then takes the response as cut off (status kept, body empty); see
// README.md.
bool Same(const Read& a, const Read& b) {
  if (a.cut_off || b.cut_off) {
    return a.result.stage != fanout::NetStage::kDone || b.result.stage != fanout::NetStage::kDone ||
           a.result.status == b.result.status;
  }
  if (a.result.stage != b.result.stage) return false;
  if (a.result.stage != fanout::NetStage::kDone) return true;
  return a.result.status == b.result.status && a.result.retry_after == b.result.retry_after &&
         a.result.body == b.result.body && a.keep_alive == b.keep_alive;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 256 * 1024) return 0;
  const std::size_t piece = data[0] % 64;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);

  const Read read = ReadResponse(bytes, piece);
  Check(Same(read, ReadResponse(bytes, 0)));
  const HttpExchangeResult& exchange = read.result;

  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  const fanout::ActionResult result = fanout::ClassifyExchange(exchange, now);
  Check(result.retry_after.count() >= 0 && result.retry_after <= fanout::kMaxRetryAfter);
  if (exchange.stage != fanout::NetStage::kDone) {
    Check(result.outcome == ActionOutcome::kRetry || result.outcome == ActionOutcome::kUnavailable);
    Check(result.retry_after.count() == 0);
  } else {
    const unsigned status = exchange.status;
    const bool retried = status == 408 || status == 409 || status == 429 ||
                         (status >= 500 && status < 600 && status != 503);
    ActionOutcome expected = ActionOutcome::kRetry;  // 1xx, and beyond 599
    if (status >= 200 && status < 300) expected = ActionOutcome::kApplied;
    if (status == 503) expected = ActionOutcome::kUnavailable;
    // Refused: the path may be the row's (HttpSink makes it fatal when it is the sink's own).
    if (status == 401 || status == 403) expected = ActionOutcome::kRefused;
    if (status >= 300 && status < 500 && !retried && status != 401 && status != 403) {
      expected = ActionOutcome::kBadRecord;
    }
    Check(result.outcome == expected);
    if (!retried && status != 503) Check(result.retry_after.count() == 0);
    const std::chrono::milliseconds after = fanout::ParseRetryAfter(exchange.retry_after, now);
    Check(after.count() >= 0 && after <= fanout::kMaxRetryAfter);
    if (retried || status == 503) Check(result.retry_after == after);
  }
  Check(!fanout::IsStaleConnectionFailure(exchange) || exchange.stage == fanout::NetStage::kRead);

  const std::string snippet = fanout::BodySnippet(exchange.body);
  Check(snippet.size() <= fanout::kMaxBodySnippet);
  Check(OneLineText(snippet));
  // The same rules for whatever bytes a header value or a body may hold.
  const std::string raw_snippet = fanout::BodySnippet(bytes);
  Check(raw_snippet.size() <= fanout::kMaxBodySnippet && OneLineText(raw_snippet));
  const std::chrono::milliseconds raw_after = fanout::ParseRetryAfter(bytes, now);
  Check(raw_after.count() >= 0 && raw_after <= fanout::kMaxRetryAfter);
  return 0;
}
