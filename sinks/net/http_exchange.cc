#include "sinks/net/http_exchange.h"

#include <algorithm>
#include <charconv>
#include <string>

namespace fanout {
namespace {

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

std::string_view HttpStageName(NetStage stage) {
  return stage == NetStage::kRead ? "response" : NetStageName(stage);
}

ActionResult ClassifyHttpTransport(const HttpExchangeResult& result) {
  if (IsCancelled(result.error)) {
    return ActionResult::Unavailable("request cancelled: the sink is closing");
  }
  return ClassifyTransportFailure(result, "", HttpStageName(result.stage));
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

std::string OneLine(std::string_view text, std::size_t limit) {
  constexpr std::string_view kEllipsis = "...";
  std::string out;
  std::size_t cut = 0;  // the longest prefix of `out` that still leaves room for kEllipsis
  bool space = false;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = Utf8Length(text, i);
    const auto c = static_cast<unsigned char>(text[i]);
    if (length == 1 && (c <= 0x20 || c == 0x7f)) {  // whitespace and control characters
      space = !out.empty();
      ++i;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.append(length == 0 ? std::string_view("?") : text.substr(i, length));
    i += length == 0 ? 1 : length;
    if (out.size() <= limit - kEllipsis.size()) cut = out.size();
    if (out.size() > limit) {
      out.resize(cut);
      out.append(kEllipsis);
      return out;
    }
  }
  return out;
}

std::string BodySnippet(std::string_view body) { return OneLine(body, kMaxBodySnippet); }

}  // namespace fanout
