// ElasticsearchAction: what one (event, route) asks of the index, as `_bulk` NDJSON lines ready
// to be concatenated into a request. Built once on the consume thread
// (sinks/elasticsearch/action_builder.h), then only read on the sink's I/O thread.
//
// An action holds one bulk item, or two when an update moved the document (its index or `_id`
// template renders differently for the before image): the delete of the old location first,
// then the index of the new one. The response answers per item, in request order.
#ifndef FANOUT_SINKS_ELASTICSEARCH_ACTION_H_
#define FANOUT_SINKS_ELASTICSEARCH_ACTION_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sinks/sink.h"

namespace fanout {

// The bulk operation of one item; classification differs (a delete of a missing document is
// done, an index into a missing index is not).
enum class BulkItemKind : std::uint8_t {
  kIndex,   // `index`: a document, or a soft-delete tombstone document
  kDelete,  // `delete`: a hard delete
};

class ElasticsearchAction final : public SinkAction {
 public:
  static constexpr std::size_t kMaxItems = 2;

  // The item lines, each ending in '\n' (an action line, then a source line for kIndex).
  std::string_view ndjson() const { return ndjson_; }
  std::span<const BulkItemKind> items() const { return {kinds_.data(), count_}; }

  // For the builder: append an item's lines to *mutable_ndjson(), then record its kind.
  // REQUIRES: fewer than kMaxItems items so far.
  std::string* mutable_ndjson() { return &ndjson_; }
  void AddItem(BulkItemKind kind) { kinds_[count_++] = kind; }

 private:
  std::string ndjson_;
  std::array<BulkItemKind, kMaxItems> kinds_{};
  std::size_t count_ = 0;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_ELASTICSEARCH_ACTION_H_
