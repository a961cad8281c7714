#include "sinks/clickhouse/errors.h"

#include <algorithm>
#include <array>

namespace fanout {
namespace {

// A row the table cannot take: parse errors, wrong types, values out of range, unknown columns.
constexpr std::array<int, 17> kBadRecordCodes = {6,  16, 26, 27,  32,  33,  38,  41, 53,
                                                 69, 70, 72, 117, 131, 321, 349, 407};
// The user is not who it says, or may not connect from here.
constexpr std::array<int, 5> kAuthenticationCodes = {192, 193, 194, 195, 516};
// The user may not write (there): READONLY, ACCESS_DENIED.
constexpr std::array<int, 2> kNotAllowedCodes = {164, 497};
// The table or database is not there yet.
constexpr std::array<int, 2> kMissingTableCodes = {60, 81};

template <std::size_t N>
bool In(const std::array<int, N>& codes, int code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

}  // namespace

int ClickHouseErrorCode(std::string_view body) {
  const std::size_t at = body.find("Code: ");
  if (at == std::string_view::npos) return -1;
  int code = 0;
  std::size_t i = at + 6;
  bool any = false;
  while (i < body.size() && body[i] >= '0' && body[i] <= '9' && code < 1000000) {
    code = code * 10 + (body[i] - '0');
    ++i;
    any = true;
  }
  return any ? code : -1;
}

std::string ClickHouseErrorText(unsigned status, std::string_view body) {
  std::string text = "HTTP " + std::to_string(status);
  const int code = ClickHouseErrorCode(body);
  if (code >= 0) text += ", ClickHouse code " + std::to_string(code);
  std::string_view reason = body;
  if (const std::size_t exception = reason.find("DB::Exception: ");
      exception != std::string_view::npos) {
    reason = reason.substr(exception + 15);
  } else if (code >= 0) {
    const std::size_t after_code = reason.find_first_of(",.", reason.find("Code: "));
    reason =
        after_code == std::string_view::npos ? std::string_view() : reason.substr(after_code + 1);
  }
  // Parse errors quote the input that follows the fault ("before: <row data>"); what comes
  // after it that names the column ("(while read the value of key qty)") is kept.
  std::string cleaned;
  if (const std::size_t before = reason.find(" before: "); before != std::string_view::npos) {
    cleaned = std::string(reason.substr(0, before));
    const std::size_t key = reason.find("(while read", before);
    if (key != std::string_view::npos) {
      const std::size_t close = reason.find(')', key);
      cleaned += " " + std::string(reason.substr(key, close == std::string_view::npos
                                                          ? std::string_view::npos
                                                          : close + 1 - key));
    }
  } else {
    cleaned = std::string(reason);
  }
  for (std::string_view tail : {", e.what() = DB::Exception", " (version "}) {
    if (const std::size_t at = cleaned.find(tail); at != std::string::npos) cleaned.resize(at);
  }
  const std::string line = OneLine(cleaned, kMaxClickHouseReasonBytes);
  if (!line.empty() && line != " ") text += ": " + line;
  return text;
}

InsertOutcome ClassifyInsert(const HttpExchangeResult& exchange, std::size_t rows,
                             std::chrono::system_clock::time_point now) {
  if (exchange.stage != NetStage::kDone || exchange.error) {
    return {false, ClassifyHttpTransport(exchange)};
  }
  const unsigned status = exchange.status;
  if (status >= 200 && status < 300) return {false, ActionResult::Applied()};
  const int code = ClickHouseErrorCode(exchange.body);
  const std::string text = ClickHouseErrorText(status, exchange.body);
  if (In(kBadRecordCodes, code) || status == 413) {
    if (rows > 1) return {true, {}};
    return {false, ActionResult::BadRecord(text)};
  }
  if (In(kAuthenticationCodes, code) || status == 401) {
    return {false, ActionResult::Fatal(text + " (the server refused the credentials: check "
                                              "username/password)")};
  }
  if (In(kNotAllowedCodes, code) || status == 403) {
    return {false, ActionResult::Refused(text + " (the user may not insert into this table)")};
  }
  const std::chrono::milliseconds after = ParseRetryAfter(exchange.retry_after, now);
  if (In(kMissingTableCodes, code)) {
    return {false, ActionResult::Unavailable(
                       text + " (create the table: fanout init-sink prints its DDL)", after)};
  }
  if (code == 242 || status == 503) return {false, ActionResult::Unavailable(text, after)};
  return {false, ActionResult::Retry(text, after)};
}

Status ClassifyClickHouseStart(const HttpExchangeResult& exchange, std::string* version) {
  if (exchange.stage != NetStage::kDone || exchange.error) {
    return Unavailable(ClassifyHttpTransport(exchange).message);
  }
  const unsigned status = exchange.status;
  if (status >= 200 && status < 300) {
    std::string_view text = exchange.body;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    const bool looks_like_version = !text.empty() && text.size() < 64 && text.front() >= '1' &&
                                    text.front() <= '9' &&
                                    text.find_first_not_of("0123456789.") == std::string_view::npos;
    if (!looks_like_version) {
      return FailedPrecondition("SELECT version() answered " + BodySnippet(exchange.body) +
                                " (is url ClickHouse's HTTP interface?)");
    }
    *version = std::string(text);
    return Status();
  }
  const int code = ClickHouseErrorCode(exchange.body);
  const std::string text = ClickHouseErrorText(status, exchange.body);
  if (In(kAuthenticationCodes, code) || status == 401 || status == 403) {
    return FailedPrecondition(text +
                              " (the server refused the credentials: check "
                              "username/password)");
  }
  if (status == 408 || status == 429 || status >= 500) return Unavailable(text);
  return FailedPrecondition(text +
                            " on SELECT version() (is url ClickHouse's HTTP interface? "
                            "redirects are not followed)");
}

}  // namespace fanout
