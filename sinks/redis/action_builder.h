// RedisActionBuilder: turns the events of one route into RedisActions. Pure: no I/O.
//
// A route may declare any of these (at least one); one action holds all of an event's commands:
//
//   invalidate: [tmpl...]  UNLINK of every key the templates render, each template rendered
//                          against the before AND the after image (a changed e-mail invalidates
//                          the old and the new key), deduplicated. A template that cannot be
//                          rendered against one image (an insert has no before image) is skipped
//                          for that image; one that renders for neither is a bad record.
//                          Truncates and messages have no row: nothing to invalidate.
//   upsert: tmpl           c/u/r: the projected after-image written at the key (after image)
//                          through the version guard (guard.h); d: the key (before image)
//                          deleted through the same guard, leaving a tombstone. An update whose
//                          key rendered against the before image differs (the key is built from
//                          a column that changed) also deletes the old key, guarded.
//     format: json|hash    a JSON string (default), or a hash of the non-null columns as text.
//   publish: tmpl          PUBLISH on the channel of a compact JSON message
//                          {"table","op","key","position"}, for every op the route matches.
//
// An unchanged-TOAST column the before image cannot fill makes an upsert a bad record: writing
// the placeholder would corrupt the cached row (REPLICA IDENTITY FULL, or `exclude:` it).
// A rendered `upsert` or `invalidate` key ending with `:fanout:version` (the guard's version
// keys) is a bad record, and so is a `_fanout_version` column in a hash (guard.h).
//
// Thread-safety: immutable after Create; Build is const.
#ifndef FANOUT_SINKS_REDIS_ACTION_BUILDER_H_
#define FANOUT_SINKS_REDIS_ACTION_BUILDER_H_

#include <chrono>
#include <memory>
#include <span>
#include <string>

#include "processor/core/change_event.h"
#include "processor/core/kafka_record.h"
#include "processor/core/status.h"
#include "processor/route/router.h"
#include "sinks/redis/action.h"
#include "sinks/redis/guard.h"
#include "sinks/sink.h"

namespace fanout {

class RedisActionBuilder final : public ActionBuilder {
 public:
  // InvalidArgument naming the option at fault: a route with none of invalidate/upsert/publish,
  // more than one `upsert` or `publish` template, a template or option the Redis sink does not
  // know, `format` other than json/hash, or `format` without `upsert`.
  static Result<std::unique_ptr<RedisActionBuilder>> Create(
      const RouteBinding& binding, std::chrono::milliseconds tombstone_ttl);

  Result<std::unique_ptr<SinkAction>> Build(const ChangeEvent& event,
                                            const KafkaRecordView& record) const override;

 private:
  RedisActionBuilder() = default;

  Status AddInvalidate(const ChangeEvent& event, RedisAction* action) const;
  // Why no invalidate template renders for `event`, template by template (for the dead letter).
  std::string WhyNoKey(const ChangeEvent& event) const;
  Status AddUpsert(const ChangeEvent& event, RedisAction* action) const;
  Status AddGuardedWrite(const ChangeEvent& event, std::string_view key, bool is_delete,
                         const std::string& version, RedisAction* action) const;
  Status AddPublish(const ChangeEvent& event, RedisAction* action) const;

  const CompiledRoute* route_ = nullptr;
  std::span<const Template> invalidate_;
  const Template* upsert_ = nullptr;
  const Template* publish_ = nullptr;
  RedisValueFormat format_ = RedisValueFormat::kJson;
  std::chrono::milliseconds tombstone_ttl_{0};
};

}  // namespace fanout

#endif  // FANOUT_SINKS_REDIS_ACTION_BUILDER_H_
