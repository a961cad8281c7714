// ElasticsearchActionBuilder: turns the events of one route into `_bulk` items. Pure: no I/O.
//
// Route templates and options (sinks/elasticsearch/README.md has the user's view):
//   index: tmpl        the target index (required, one template)
//   id: tmpl           the document `_id`; default: the record key's columns, as natural text,
//                      joined by ':' (a table without a key needs `id`)
//   delete_mode        hard (default): `delete`; soft: `index` of {"_deleted":true, <key columns>}
//   decimals           string (default): exact decimals as JSON strings, as every sink writes
//                      them; number: as JSON number literals with the same digits, for indexes
//                      that map them as numbers (scaled_float, double)
//   include/exclude/rename (the route's projection) shape the document.
//
//   op        items
//   c, u, r   index of the projected after-image at (index, id) rendered against the after image
//   d         delete (hard) or tombstone (soft) at (index, id) rendered against the before image,
//             then the key
//   u (moved) first a delete/tombstone at the location rendered against the before image, when
//             that differs (a template built from a column that changed; needs the before image,
//             i.e. REPLICA IDENTITY FULL), then the index at the new location
//   t, m      nothing (a null action): there is no row to index
//
// Every item carries `version` from ElasticsearchVersion (version.h) with
// `version_type: external_gte`. A primary-key change arrives from Debezium as d (old key) and
// c (new key) with one position and needs nothing special.
//
// InvalidArgument (the event is a bad record for the route): a template that cannot be filled,
// an empty index, an empty `_id` or one over 512 bytes, a row without key columns and no `id`
// template, an unchanged-TOAST column the before image cannot fill (writing the placeholder
// would corrupt the document), a column named `_deleted` in soft mode, no version.
//
// Thread-safety: immutable after Create; Build is const.
#ifndef FANOUT_SINKS_ELASTICSEARCH_ACTION_BUILDER_H_
#define FANOUT_SINKS_ELASTICSEARCH_ACTION_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "processor/core/change_event.h"
#include "processor/core/json_syntax.h"  // IsJsonNumber, for the decimals option
#include "processor/core/kafka_record.h"
#include "processor/core/status.h"
#include "processor/route/router.h"
#include "sinks/elasticsearch/action.h"
#include "sinks/sink.h"

namespace fanout {

enum class DeleteMode : std::uint8_t { kHard, kSoft };
enum class DecimalFormat : std::uint8_t { kString, kNumber };

// Elasticsearch refuses longer `_id`s (the whole bulk request fails validation).
inline constexpr std::size_t kMaxDocumentIdBytes = 512;
// The field a soft delete sets.
inline constexpr std::string_view kDeletedField = "_deleted";

class ElasticsearchActionBuilder final : public ActionBuilder {
 public:
  // InvalidArgument naming the option at fault: no `index` or more than one, more than one
  // `id`, a template or option this sink does not know, `delete_mode` other than hard/soft,
  // `decimals` other than string/number.
  static Result<std::unique_ptr<ElasticsearchActionBuilder>> Create(const RouteBinding& binding);

  Result<std::unique_ptr<SinkAction>> Build(const ChangeEvent& event,
                                            const KafkaRecordView& record) const override;

 private:
  ElasticsearchActionBuilder() = default;

  // Renders the index and the `_id` of `event` against `image`.
  Status RenderLocation(const ChangeEvent& event, Template::Image image, std::string* index,
                        std::string* id) const;
  Status RenderId(const ChangeEvent& event, Template::Image image, std::string* id) const;
  // A hard delete, or in soft mode a tombstone document, of (index, id).
  Status AppendDelete(const ChangeEvent& event, std::string_view index, std::string_view id,
                      std::int64_t version, ElasticsearchAction* action) const;
  // An index of the projected after image at (index, id).
  Status AppendIndex(const ChangeEvent& event, std::string_view index, std::string_view id,
                     std::int64_t version, ElasticsearchAction* action) const;
  void AppendValue(const Value& value, std::string* out) const;

  const CompiledRoute* route_ = nullptr;
  const Template* index_ = nullptr;
  const Template* id_ = nullptr;  // null: the key columns joined by ':'
  DeleteMode delete_mode_ = DeleteMode::kHard;
  DecimalFormat decimals_ = DecimalFormat::kString;
};

// Appends the action line of one item ("{"index":{...}}\n" or "{"delete":{...}}\n").
void AppendBulkActionLine(BulkItemKind kind, std::string_view index, std::string_view id,
                          std::int64_t version, std::string* out);

}  // namespace fanout

#endif  // FANOUT_SINKS_ELASTICSEARCH_ACTION_BUILDER_H_
