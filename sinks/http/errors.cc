#include "sinks/http/errors.h"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <charconv>
#include <limits>

#include "sinks/net/sink_stream.h"

namespace fanout {
namespace {

namespace asio_error = boost::asio::error;
namespace beast_http = boost::beast::http;

std::string StatusText(unsigned status) { return "HTTP " + std::to_string(status); }

// Errors that mean the connection or the server went away, not that this request is at fault.
bool IsConnectionLost(const boost::system::error_code& error) {
  return error == asio_error::connection_refused || error == asio_error::connection_reset ||
         error == asio_error::connection_aborted || error == asio_error::broken_pipe ||
         error == asio_error::eof || error == asio_error::not_connected ||
         error == asio_error::network_unreachable || error == asio_error::network_down ||
         error == asio_error::network_reset || error == asio_error::host_unreachable ||
         error == asio_error::shut_down || error == beast_http::error::end_of_stream ||
         error == beast_http::error::partial_message;
}

bool IsTimeout(const boost::system::error_code& error) {
  return error == boost::beast::error::timeout || error == asio_error::timed_out;
}

ActionResult ClassifyTransport(const HttpExchangeResult& result) {
  const boost::system::error_code& error = result.error;
  const std::string where = std::string(HttpStageName(result.stage));
  if (error == asio_error::operation_aborted) {
    return ActionResult::Unavailable("request cancelled: the sink is closing");
  }
  if (result.stage == HttpStage::kTlsHandshake && IsTlsVerificationFailure(error)) {
    // The server is there but is not who the settings say it must be: no retry will change
    // that, and sending the changes elsewhere is not an option.
    return ActionResult::Fatal("TLS handshake failed: " + error.message() +
                               " (check tls_ca_file, tls_server_name)");
  }
  const bool reaching = result.stage == HttpStage::kResolve ||
                        result.stage == HttpStage::kConnect ||
                        result.stage == HttpStage::kTlsHandshake;
  if (IsTimeout(error)) {
    // Not reaching the server at all is an outage; a server that accepted the request and is
    // slow to answer may be choking on this one request, so that attempt counts.
    if (reaching) return ActionResult::Unavailable(where + " timed out");
    return ActionResult::Retry(where + " timed out");
  }
  if (reaching || IsConnectionLost(error)) {
    return ActionResult::Unavailable(where + " failed: " + error.message());
  }
  // A response we cannot parse: the server (or a proxy) misbehaves; counted, so it ends.
  return ActionResult::Retry(where + " failed: " + error.message());
}

// A cursor over an HTTP-date.
class DateReader {
 public:
  explicit DateReader(std::string_view text) : text_(text) {}

  bool done() const { return pos_ == text_.size(); }
  bool Literal(std::string_view s) {
    if (text_.substr(pos_, s.size()) != s) return false;
    pos_ += s.size();
    return true;
  }
  void Spaces() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }
  // Skips a day name ("Sun", "Sunday"): its value adds nothing to the date.
  bool Word() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && ((text_[pos_] >= 'a' && text_[pos_] <= 'z') ||
                                   (text_[pos_] >= 'A' && text_[pos_] <= 'Z'))) {
      ++pos_;
    }
    return pos_ > start;
  }
  bool Number(std::size_t min_digits, std::size_t max_digits, int* out) {
    std::size_t n = 0;
    while (pos_ + n < text_.size() && n < max_digits && text_[pos_ + n] >= '0' &&
           text_[pos_ + n] <= '9') {
      ++n;
    }
    if (n < min_digits) return false;
    std::from_chars(text_.data() + pos_, text_.data() + pos_ + n, *out);
    pos_ += n;
    return true;
  }
  bool Month(unsigned* out) {
    constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (unsigned i = 0; i < 12; ++i) {
      if (Literal(kMonths[i])) {
        *out = i + 1;
        return true;
      }
    }
    return false;
  }
  bool Time(int* h, int* m, int* s) {
    return Number(2, 2, h) && Literal(":") && Number(2, 2, m) && Literal(":") && Number(2, 2, s);
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and
// asctime "Sun Nov  6 08:49:37 1994": RFC 9110 §5.6.7 obliges recipients to accept all three.
bool ParseHttpDate(std::string_view text, std::chrono::sys_seconds* out) {
  DateReader in(text);
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  unsigned month = 0;
  if (!in.Word()) return false;
  if (in.Literal(", ")) {
    if (!in.Number(2, 2, &day)) return false;
    if (in.Literal(" ")) {  // IMF-fixdate
      if (!in.Month(&month) || !in.Literal(" ") || !in.Number(4, 4, &year)) return false;
    } else {  // RFC 850
      if (!in.Literal("-") || !in.Month(&month) || !in.Literal("-") || !in.Number(2, 2, &year)) {
        return false;
      }
      year += year < 70 ? 2000 : 1900;
    }
    if (!in.Literal(" ") || !in.Time(&hour, &minute, &second) || !in.Literal(" GMT")) return false;
  } else {  // asctime
    if (!in.Literal(" ") || !in.Month(&month)) return false;
    in.Spaces();
    if (!in.Number(1, 2, &day) || !in.Literal(" ") || !in.Time(&hour, &minute, &second) ||
        !in.Literal(" ") || !in.Number(4, 4, &year)) {
      return false;
    }
  }
  if (!in.done() || hour > 23 || minute > 59 || second > 60) return false;
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return false;
  *out = std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second);
  return true;
}

// Length of the valid UTF-8 sequence starting at `s[i]`, or 0 when it is not one.
std::size_t Utf8Length(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  std::size_t length = 0;
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  if (lead >= 0xe0 && lead <= 0xef) length = 3;
  if (lead >= 0xf0 && lead <= 0xf4) length = 4;
  if (length == 0 || i + length > s.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  }
  return length;
}

}  // namespace

std::string_view HttpStageName(HttpStage stage) {
  switch (stage) {
    case HttpStage::kResolve:
      return "resolve";
    case HttpStage::kConnect:
      return "connect";
    case HttpStage::kTlsHandshake:
      return "TLS handshake";
    case HttpStage::kWrite:
      return "send";
    case HttpStage::kRead:
      return "response";
    case HttpStage::kDone:
      return "done";
  }
  return "?";
}

ActionResult ClassifyExchange(const HttpExchangeResult& result,
                              std::chrono::system_clock::time_point now) {
  if (result.stage != HttpStage::kDone || result.error) return ClassifyTransport(result);
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

std::chrono::milliseconds ParseRetryAfter(std::string_view value,
                                          std::chrono::system_clock::time_point now) {
  using std::chrono::milliseconds;
  constexpr milliseconds kCap = kMaxRetryAfter;
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return milliseconds(0);
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    std::uint64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    (void)ptr;
    if (ec != std::errc() || seconds > static_cast<std::uint64_t>(kCap.count() / 1000)) {
      return kCap;  // out of range: certainly over the cap
    }
    return milliseconds(static_cast<std::int64_t>(seconds) * 1000);
  }
  std::chrono::sys_seconds when;
  if (!ParseHttpDate(value, &when)) return milliseconds(0);
  // In seconds first: a date centuries away (years 0000-9999 parse) overflows system_clock's
  // nanoseconds. Only a date within the cap is compared with `now` itself.
  const std::chrono::seconds ahead = when - std::chrono::floor<std::chrono::seconds>(now);
  if (ahead <= std::chrono::seconds(0)) return milliseconds(0);
  if (ahead > kCap) return kCap;
  return std::min(kCap, std::chrono::ceil<milliseconds>(when - now));
}

std::string BodySnippet(std::string_view body) {
  constexpr std::string_view kEllipsis = "...";
  std::string out;
  std::size_t cut = 0;  // the longest prefix of `out` that still leaves room for kEllipsis
  bool space = false;
  for (std::size_t i = 0; i < body.size();) {
    const std::size_t length = Utf8Length(body, i);
    const auto c = static_cast<unsigned char>(body[i]);
    if (length == 1 && (c <= 0x20 || c == 0x7f)) {  // whitespace and control characters
      space = !out.empty();
      ++i;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.append(length == 0 ? std::string_view("?") : body.substr(i, length));
    i += length == 0 ? 1 : length;
    if (out.size() <= kMaxBodySnippet - kEllipsis.size()) cut = out.size();
    if (out.size() > kMaxBodySnippet) {
      out.resize(cut);
      if (!out.empty() && out.back() == ' ') out.pop_back();
      out.append(kEllipsis);
      return out;
    }
  }
  return out;
}

bool IsStaleConnectionFailure(const HttpExchangeResult& result) {
  if (!result.reused_connection || result.got_response_bytes) return false;
  if (result.stage != HttpStage::kWrite && result.stage != HttpStage::kRead) return false;
  const boost::system::error_code& error = result.error;
  return error == asio_error::connection_reset || error == asio_error::broken_pipe ||
         error == asio_error::eof || error == beast_http::error::end_of_stream ||
         error == asio_error::connection_aborted;
}

}  // namespace fanout
