#include "sinks/clickhouse/insert_call.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <unordered_map>
#include <utility>

#include "sinks/clickhouse/errors.h"

namespace fanout {
namespace {

namespace http = boost::beast::http;

void AppendUrlEncoded(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out->push_back(c);
    } else {
      out->push_back('%');
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 15]);
    }
  }
}

}  // namespace

std::string ClickHouseQueryTarget(std::string_view base_path, std::string_view query) {
  std::string target(base_path);
  target += "/?query=";
  AppendUrlEncoded(query, &target);
  target += "&date_time_input_format=best_effort";
  return target;
}

std::shared_ptr<const HttpRequest> MakeClickHouseRequest(const InsertContext& context,
                                                         std::string target, std::string body) {
  const http::verb method = body.empty() ? http::verb::get : http::verb::post;
  const std::string_view content_type =
      method == http::verb::post ? "application/x-ndjson" : std::string_view();
  return MakeHttpRequest(method, std::move(target),
                         {context.host_header, context.authorization, content_type},
                         std::move(body));
}

InsertCall::InsertCall(std::shared_ptr<InsertContext> context,
                       std::vector<const ClickHouseAction*> actions, Done done)
    : context_(std::move(context)),
      actions_(std::move(actions)),
      results_(actions_.size()),
      done_(std::move(done)) {}

void InsertCall::Start() {
  // The usual batch is of one table: one INSERT, no grouping.
  const std::string_view first = actions_.empty() ? std::string_view() : actions_[0]->table();
  if (std::all_of(actions_.begin(), actions_.end(),
                  [first](const ClickHouseAction* action) { return action->table() == first; })) {
    order_.resize(actions_.size());
    for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = i;
    todo_.push_back({0, actions_.size()});
    return SendNext();
  }
  // Group by table, keeping each table's rows in batch order.
  std::unordered_map<std::string_view, std::size_t> group_of;
  std::vector<std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    auto [it, added] = group_of.try_emplace(actions_[i]->table(), groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  order_.reserve(actions_.size());
  std::vector<Range> ranges;
  for (const std::vector<std::size_t>& group : groups) {
    ranges.push_back({order_.size(), order_.size() + group.size()});
    order_.insert(order_.end(), group.begin(), group.end());
  }
  // A stack: the first table's INSERT goes first.
  todo_.assign(ranges.rbegin(), ranges.rend());
  SendNext();
}

void InsertCall::SendNext() {
  if (todo_.empty()) {
    Done done = std::move(done_);
    done(std::move(results_));
    return;
  }
  const Range range = todo_.back();
  todo_.pop_back();
  std::size_t size = 0;
  for (std::size_t i = range.begin; i < range.end; ++i) size += actions_[order_[i]]->row().size();
  std::string body;
  body.reserve(size);
  for (std::size_t i = range.begin; i < range.end; ++i) body.append(actions_[order_[i]]->row());
  const std::string query =
      "INSERT INTO " + std::string(actions_[order_[range.begin]]->table()) + " FORMAT JSONEachRow";
  // The request owns its bytes: a cancelled socket operation may still hold them after the
  // callback has let the caller free the actions.
  std::shared_ptr<const HttpRequest> request = MakeClickHouseRequest(
      *context_, ClickHouseQueryTarget(context_->base_path, query), std::move(body));
  context_->client->Submit(request, context_->timeout,
                           [self = shared_from_this(), range](HttpExchangeResult exchange) {
                             self->OnExchange(range, std::move(exchange));
                           });
}

void InsertCall::OnExchange(Range range, HttpExchangeResult exchange) {
  const std::size_t rows = range.end - range.begin;
  InsertOutcome outcome = ClassifyInsert(exchange, rows, std::chrono::system_clock::now());
  if (outcome.split) {
    const std::size_t middle = range.begin + rows / 2;
    spdlog::debug("clickhouse sink '{}': INSERT of {} rows refused ({}); sending halves",
                  context_->sink_name, rows, ClickHouseErrorText(exchange.status, exchange.body));
    todo_.push_back({middle, range.end});  // the stack's back goes first: the first half
    todo_.push_back({range.begin, middle});
    return SendNextLater();
  }
  const ActionOutcome result = outcome.result.outcome;
  if (result != ActionOutcome::kApplied) {
    // The server's reason only: rows and credentials stay out of logs.
    spdlog::debug("clickhouse sink '{}': INSERT of {} rows: {} ({})", context_->sink_name, rows,
                  ToString(result), outcome.result.message);
  }
  for (std::size_t i = range.begin; i < range.end; ++i) results_[order_[i]] = outcome.result;
  SendNextLater();
}

void InsertCall::SendNextLater() {
  boost::asio::post(context_->strand, [self = shared_from_this()] { self->SendNext(); });
}

}  // namespace fanout
