// libFuzzer target for the Elasticsearch/OpenSearch sink's response handling: the `_bulk`
// response parser and the `GET /` and error-body readers (sinks/elasticsearch/responses.cc),
// and the classification of an exchange (sinks/elasticsearch/errors.cc). Build and run:
// tests/fuzz/README.md.
//
// Input: byte 0 chooses the HTTP status (bits 0-3, from kStatuses), the item kinds of the
// batch (bits 4-5: all index, all delete, alternating, or a moved document -- delete + index --
// every third action) and whether the batch has as many items as the response (bit 6 clear) or
// one more; the rest is the response body.
//
// Aborts when
//   - a parser fails with anything but DataLoss, or a reused parser answers differently from a
//     fresh one;
//   - FormatItemError gives more than kMaxReasonBytes, invalid UTF-8 or control characters;
//   - an item is classified against the table of errors.h (a 2xx not applied, a 409 that is no
//     cluster block not "already applied", ...);
//   - ClassifyBulk splits when it must not, answers another number of results than actions,
//     applies a batch whose response it could not match item by item, or gives a message
//     longer than the bounded reason plus our own words;
//   - ClassifyStart returns a code Sink::Start may not return.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sinks/elasticsearch/errors.h"
#include "sinks/elasticsearch/responses.h"

namespace {

using fanout::ActionOutcome;
using fanout::BulkItemKind;
using fanout::ElasticsearchAction;

constexpr std::array<unsigned, 16> kStatuses = {200, 201, 400, 401, 403, 404, 408, 409,
                                                413, 429, 500, 503, 302, 405, 418, 99};

void Check(bool ok) {
  if (!ok) std::abort();
}

// Valid UTF-8, no control characters, no whitespace but single spaces.
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

bool SameBulk(const fanout::Result<fanout::BulkResponse>& a,
              const fanout::Result<fanout::BulkResponse>& b) {
  if (a.ok() != b.ok()) return false;
  if (!a.ok()) return a.status() == b.status();
  if (a->errors != b->errors || a->items.size() != b->items.size()) return false;
  for (std::size_t i = 0; i < a->items.size(); ++i) {
    const fanout::BulkItemResult& x = a->items[i];
    const fanout::BulkItemResult& y = b->items[i];
    if (x.status != y.status || x.error_type != y.error_type || x.reason != y.reason ||
        x.cause_type != y.cause_type) {
      return false;
    }
  }
  return true;
}

void CheckItem(const fanout::BulkItemResult& item) {
  const std::string formatted = fanout::FormatItemError(item);
  Check(formatted.size() <= fanout::kMaxReasonBytes);
  Check(OneLineText(formatted));
  for (BulkItemKind kind : {BulkItemKind::kIndex, BulkItemKind::kDelete}) {
    const fanout::ActionResult result = fanout::ClassifyBulkItem(kind, item);
    Check(result.message.size() <= fanout::kMaxReasonBytes + 100);
    const int status = item.status;
    if (status >= 200 && status < 300) {
      Check(result.outcome == ActionOutcome::kApplied);
    } else if (item.error_type == "cluster_block_exception") {
      Check(result.outcome == ActionOutcome::kUnavailable);
    } else if (status == 409) {
      Check(result.outcome == ActionOutcome::kAlreadyApplied);
    } else if (status == 401 || status == 403) {
      // One item refused: the index may be the row's; the delivery core probes the sink.
      Check(result.outcome == ActionOutcome::kRefused);
    } else if (status == 404) {
      Check(result.outcome ==
            (kind == BulkItemKind::kDelete ? ActionOutcome::kApplied : ActionOutcome::kBadRecord));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 256 * 1024) return 0;
  const std::uint8_t control = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  static auto* parser = new fanout::ResponseParser();  // reused, as a sink strand does

  fanout::Result<fanout::BulkResponse> bulk = parser->ParseBulk(body);
  {
    fanout::ResponseParser fresh;
    Check(SameBulk(bulk, fresh.ParseBulk(body)));
  }
  std::size_t items = 0;
  if (!bulk.ok()) {
    Check(bulk.status().code() == fanout::StatusCode::kDataLoss);
  } else {
    if (!bulk->errors) Check(bulk->items.empty());
    for (const fanout::BulkItemResult& item : bulk->items) CheckItem(item);
    items = bulk->items.size();
  }

  fanout::Result<fanout::ServerInfo> info = parser->ParseServerInfo(body);
  if (!info.ok()) {
    Check(info.status().code() == fanout::StatusCode::kDataLoss);
  } else {
    Check(!info->number.empty());
  }
  (void)fanout::ErrorResponseReason(body);

  // A batch with as many items as the response (or one more), kinds by bits 4-5.
  const unsigned layout = (control >> 4) & 3;
  const std::size_t wanted = std::min<std::size_t>(items, 4096) + ((control & 0x40) ? 1 : 0);
  std::vector<std::unique_ptr<ElasticsearchAction>> owned;
  std::vector<const ElasticsearchAction*> actions;
  for (std::size_t placed = 0; placed < wanted;) {
    auto action = std::make_unique<ElasticsearchAction>();
    const std::size_t n = owned.size();
    if (layout == 3 && n % 3 == 2 && wanted - placed >= 2) {
      action->AddItem(BulkItemKind::kDelete);
      action->AddItem(BulkItemKind::kIndex);
      placed += 2;
    } else {
      const bool del = layout == 1 || (layout == 2 && n % 2 == 1);
      action->AddItem(del ? BulkItemKind::kDelete : BulkItemKind::kIndex);
      placed += 1;
    }
    actions.push_back(action.get());
    owned.push_back(std::move(action));
  }
  if (actions.empty()) {  // a batch is never empty
    owned.push_back(std::make_unique<ElasticsearchAction>());
    owned.back()->AddItem(BulkItemKind::kIndex);
    actions.push_back(owned.back().get());
  }

  fanout::HttpExchangeResult exchange;
  exchange.stage = fanout::NetStage::kDone;
  exchange.status = kStatuses[control & 15];
  exchange.body = std::string(body);
  exchange.retry_after = "120";
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  const fanout::BulkOutcome outcome = fanout::ClassifyBulk(exchange, actions, *parser, now);
  const unsigned status = exchange.status;
  const bool may_split = (status == 400 || status == 413) && actions.size() > 1;
  Check(outcome.split == may_split);
  if (!outcome.split) {
    Check(outcome.results.size() == actions.size());
    std::size_t expected_items = 0;
    for (const ElasticsearchAction* action : actions) expected_items += action->items().size();
    const bool readable = bulk.ok() && (!bulk->errors || bulk->items.size() == expected_items);
    for (const fanout::ActionResult& result : outcome.results) {
      Check(result.message.size() <= fanout::kMaxReasonBytes + 200);
      if (status >= 200 && status < 300 && !readable) {
        Check(result.outcome == ActionOutcome::kRetry);
      }
      if (status >= 200 && status < 300 && bulk.ok() && !bulk->errors) {
        Check(result.outcome == ActionOutcome::kApplied);
      }
    }
  }

  std::string server;
  const fanout::Status start = fanout::ClassifyStart(exchange, *parser, &server);
  Check(start.ok() || start.code() == fanout::StatusCode::kFailedPrecondition ||
        start.code() == fanout::StatusCode::kUnavailable);
  return 0;
}
