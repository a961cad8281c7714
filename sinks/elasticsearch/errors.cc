#include "sinks/elasticsearch/errors.h"

#include <algorithm>
#include <utility>

#include "sinks/net/http_connection.h"

namespace fanout {
namespace {

constexpr std::string_view kClusterBlock = "cluster_block_exception";

// Elasticsearch quotes ids, values and names in brackets ("id [xxxx...] is too long"). A long
// one would use up the whole message: it keeps its first kMaxQuoted bytes.
std::string ShortenQuotes(std::string_view text) {
  constexpr std::size_t kMaxQuoted = 40;
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t open = text.find('[', i);
    const std::size_t close =
        open == std::string_view::npos ? std::string_view::npos : text.find(']', open);
    if (close == std::string_view::npos) break;
    out.append(text.substr(i, open + 1 - i));
    std::string_view quoted = text.substr(open + 1, close - open - 1);
    if (quoted.size() > kMaxQuoted) {
      std::size_t cut = kMaxQuoted;
      while (cut > 0 && (static_cast<unsigned char>(quoted[cut]) & 0xc0) == 0x80) --cut;
      out.append(quoted.substr(0, cut));
      out.append("...");
    } else {
      out.append(quoted);
    }
    out.push_back(']');
    i = close + 1;
  }
  out.append(text.substr(std::min(i, text.size())));
  return out;
}

std::string StatusText(unsigned status) { return "HTTP " + std::to_string(status); }

// "HTTP <status>" and the reason of an error response body, if it has one.
std::string ResponseText(const HttpExchangeResult& exchange) {
  std::string reason = ErrorResponseReason(exchange.body);
  if (reason.empty()) reason = BodySnippet(exchange.body);
  return StatusText(exchange.status) +
         (reason.empty() ? "" : ": " + OneLine(ShortenQuotes(reason), kMaxReasonBytes));
}

BulkOutcome All(std::size_t count, const ActionResult& result) {
  return BulkOutcome{false, std::vector<ActionResult>(count, result)};
}

BulkOutcome Split() { return BulkOutcome{true, {}}; }

BulkOutcome ClassifyBulkBody(const HttpExchangeResult& exchange,
                             std::span<const ElasticsearchAction* const> actions,
                             ResponseParser& parser) {
  Result<BulkResponse> response = parser.ParseBulk(exchange.body);
  if (!response.ok()) {
    // The client stops reading at kMaxResponseBody: a batch whose items all failed with long
    // reasons can answer more. Halves answer less.
    if (exchange.body.size() >= kMaxResponseBody && actions.size() > 1) return Split();
    return All(actions.size(), ActionResult::Retry(std::string(response.status().message())));
  }
  if (!response->errors) return All(actions.size(), ActionResult::Applied());
  std::size_t expected = 0;
  for (const ElasticsearchAction* action : actions) expected += action->items().size();
  if (response->items.size() != expected) {
    return All(actions.size(), ActionResult::Retry("the _bulk response has " +
                                                   std::to_string(response->items.size()) +
                                                   " items for " + std::to_string(expected)));
  }
  BulkOutcome out;
  out.results.reserve(actions.size());
  std::size_t next = 0;
  for (const ElasticsearchAction* action : actions) {
    ActionResult result = ActionResult::Applied();
    for (BulkItemKind kind : action->items()) {
      KeepWorse(&result, ClassifyBulkItem(kind, response->items[next++]));
    }
    out.results.push_back(std::move(result));
  }
  return out;
}

}  // namespace

std::string FormatItemError(const BulkItemResult& item) {
  std::string_view reason = item.reason;
  // Elasticsearch quotes the offending value ("... Preview of field's value: 'abc'"): row data,
  // which stays out of logs and dead-letter headers (the record itself carries it).
  if (const std::size_t preview = reason.find(" Preview of field's value");
      preview != std::string_view::npos) {
    reason = reason.substr(0, preview);
  }
  std::string text = item.error_type.empty() ? "error" : item.error_type;
  if (!reason.empty()) text += ": " + std::string(reason);
  if (!item.cause_type.empty()) text += " (caused by " + item.cause_type + ")";
  return OneLine(ShortenQuotes(text), kMaxReasonBytes);
}

ActionResult ClassifyBulkItem(BulkItemKind kind, const BulkItemResult& item) {
  const int status = item.status;
  if (status >= 200 && status < 300) return ActionResult::Applied();
  const std::string why = StatusText(static_cast<unsigned>(status)) + ": " + FormatItemError(item);
  if (item.error_type == kClusterBlock) return ActionResult::Unavailable(why);
  // A delete of a document (or index) that is not there: the goal is reached. The server still
  // keeps the delete's version for index.gc_deletes, so an older replay stays out meanwhile.
  if (kind == BulkItemKind::kDelete && status == 404) return ActionResult::Applied();
  if (status == 409) return ActionResult::AlreadyApplied(why);
  if (status == 503) return ActionResult::Unavailable(why);
  if (status == 408 || status == 429 || (status >= 500 && status < 600)) {
    return ActionResult::Retry(why);
  }
  // One item refused while the request was accepted: the index may be the record's (rendered
  // from a row), so the delivery core probes the sink before it decides (kRefused).
  if (status == 401 || status == 403) {
    return ActionResult::Refused(why + " (the credentials may not write to this index)");
  }
  if (status >= 400 && status < 500) return ActionResult::BadRecord(why);
  return ActionResult::Retry(why + " (an unexpected item status)");
}

BulkOutcome ClassifyBulk(const HttpExchangeResult& exchange,
                         std::span<const ElasticsearchAction* const> actions,
                         ResponseParser& parser, std::chrono::system_clock::time_point now) {
  const std::size_t count = actions.size();
  if (exchange.stage != NetStage::kDone || exchange.error) {
    return All(count, ClassifyHttpTransport(exchange));
  }
  const unsigned status = exchange.status;
  if (status >= 200 && status < 300) return ClassifyBulkBody(exchange, actions, parser);
  if (status == 400 || status == 413) {
    if (count > 1) return Split();
    if (status == 413) {
      return All(count, ActionResult::BadRecord(
                            "HTTP 413: the document alone is larger than the server accepts "
                            "(http.max_content_length)"));
    }
    return All(count, ActionResult::BadRecord(ResponseText(exchange)));
  }
  const std::chrono::milliseconds after = ParseRetryAfter(exchange.retry_after, now);
  if (status == 401) {
    return All(count, ActionResult::Fatal(ResponseText(exchange) +
                                          " (the server refused the credentials: check "
                                          "username/password or api_key)"));
  }
  if (status == 403) {
    const std::string text = ResponseText(exchange);
    if (text.find(kClusterBlock) != std::string::npos) {
      return All(count, ActionResult::Unavailable(text, after));
    }
    return All(count, ActionResult::Fatal(text + " (the credentials may not use _bulk)"));
  }
  if ((status >= 300 && status < 400) || status == 404 || status == 405 || status == 415) {
    return All(count, ActionResult::Fatal(ResponseText(exchange) +
                                          " (url does not lead to the _bulk API of Elasticsearch "
                                          "or OpenSearch; redirects are not followed)"));
  }
  if (status == 503) return All(count, ActionResult::Unavailable(ResponseText(exchange), after));
  if (status == 408 || status == 409 || status == 429 || (status >= 500 && status < 600)) {
    return All(count, ActionResult::Retry(ResponseText(exchange), after));
  }
  if (status >= 400 && status < 500) {
    return All(count, ActionResult::BadRecord(ResponseText(exchange)));
  }
  return All(count, ActionResult::Retry(StatusText(status) + ": unexpected status"));
}

Status ClassifyStart(const HttpExchangeResult& exchange, ResponseParser& parser,
                     std::string* server) {
  if (exchange.stage != NetStage::kDone || exchange.error) {
    const ActionResult result = ClassifyHttpTransport(exchange);
    return Unavailable(result.message);
  }
  const unsigned status = exchange.status;
  if (status >= 200 && status < 300) {
    Result<ServerInfo> info = parser.ParseServerInfo(exchange.body);
    if (!info.ok()) return FailedPrecondition(std::string(info.status().message()));
    if (info->distribution == "opensearch") {
      *server = "OpenSearch " + info->number;
      return Status();
    }
    *server = "Elasticsearch " + info->number;
    if (info->major < 7) {
      return FailedPrecondition(*server +
                                " is not supported (Elasticsearch 7 or later, or "
                                "OpenSearch)");
    }
    return Status();
  }
  if (status == 403) {
    // Authenticated: the root endpoint needs the cluster `monitor` privilege, which a writer
    // role need not have. Writes tell whether the index privileges are there.
    *server = "a server that does not show its version to these credentials (HTTP 403 on GET /)";
    return Status();
  }
  if (status == 401) {
    return FailedPrecondition(ResponseText(exchange) +
                              " (the server refused the credentials: check username/password "
                              "or api_key)");
  }
  if (status == 408 || status == 429 || (status >= 500 && status < 600)) {
    return Unavailable(ResponseText(exchange));
  }
  return FailedPrecondition(ResponseText(exchange) +
                            " on GET / (is url an Elasticsearch or OpenSearch endpoint? redirects "
                            "are not followed)");
}

}  // namespace fanout
