#include "sinks/elasticsearch/bulk_call.h"

#include <spdlog/spdlog.h>

#include <span>
#include <utility>

#include "sinks/elasticsearch/errors.h"

namespace fanout {

namespace http = boost::beast::http;

std::shared_ptr<const HttpRequest> MakeElasticsearchRequest(const BulkContext& context,
                                                            http::verb method, std::string target,
                                                            std::string body) {
  const std::string_view content_type =
      method == http::verb::post ? "application/x-ndjson" : std::string_view();
  return MakeHttpRequest(method, std::move(target),
                         {context.host_header, context.authorization, content_type},
                         std::move(body));
}

BulkCall::BulkCall(std::shared_ptr<BulkContext> context,
                   std::vector<const ElasticsearchAction*> actions, Done done)
    : context_(std::move(context)),
      actions_(std::move(actions)),
      results_(actions_.size()),
      done_(std::move(done)) {}

void BulkCall::Start() {
  todo_.push_back({0, actions_.size()});
  SendNext();
}

void BulkCall::SendNext() {
  if (todo_.empty()) {
    Done done = std::move(done_);
    done(std::move(results_));
    return;
  }
  const Range range = todo_.back();
  todo_.pop_back();
  std::size_t size = 0;
  for (std::size_t i = range.begin; i < range.end; ++i) size += actions_[i]->ndjson().size();
  std::string body;
  body.reserve(size);
  for (std::size_t i = range.begin; i < range.end; ++i) body.append(actions_[i]->ndjson());
  // The request owns its bytes: a cancelled socket operation may still hold them after the
  // callback has let the caller free the actions.
  std::shared_ptr<const HttpRequest> request =
      MakeElasticsearchRequest(*context_, http::verb::post, context_->bulk_target, std::move(body));
  context_->client->Submit(request, context_->timeout,
                           [self = shared_from_this(), range](HttpExchangeResult exchange) {
                             self->OnExchange(range, std::move(exchange));
                           });
}

void BulkCall::OnExchange(Range range, HttpExchangeResult exchange) {
  const std::span<const ElasticsearchAction* const> actions(actions_.data() + range.begin,
                                                            range.end - range.begin);
  BulkOutcome outcome =
      ClassifyBulk(exchange, actions, context_->parser, std::chrono::system_clock::now());
  if (outcome.split) {
    const std::size_t middle = range.begin + (range.end - range.begin) / 2;
    spdlog::debug("elasticsearch sink '{}': _bulk of {} actions answered HTTP {}; sending halves",
                  context_->sink_name, actions.size(), exchange.status);
    todo_.push_back({middle, range.end});  // the stack's back goes first: the first half
    todo_.push_back({range.begin, middle});
    return SendNext();
  }
  std::size_t failed = 0;
  std::size_t first_failure = 0;
  for (std::size_t i = 0; i < outcome.results.size(); ++i) {
    const ActionOutcome result = outcome.results[i].outcome;
    if (result != ActionOutcome::kApplied && result != ActionOutcome::kAlreadyApplied) {
      if (failed++ == 0) first_failure = range.begin + i;
    }
    results_[range.begin + i] = std::move(outcome.results[i]);
  }
  if (failed > 0) {
    // Outcomes and the server's reasons only: documents and credentials stay out of logs.
    spdlog::debug("elasticsearch sink '{}': {} of {} actions not done; first: {} ({})",
                  context_->sink_name, failed, actions.size(),
                  ToString(results_[first_failure].outcome), results_[first_failure].message);
  }
  SendNext();
}

}  // namespace fanout
