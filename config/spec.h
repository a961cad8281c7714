// FieldSpec: the declarative description of every configuration key. One tree drives
// validation (types, unknown keys, required keys, enums, ranges, references), the typed values
// sinks read their settings from, and the generated reference docs/CONFIG.md
// (`fanout config-docs`), so the three cannot drift apart.
//
// The central parts (kafka, processing, routes' common keys, ...) are in config/config_spec.cc.
// Each sink type owns its part, a SinkTypeSpec (sinks/<type>/spec.cc), registered with its
// factory (sinks/builtin.h); ConfigSpec() assembles the whole file from both.
#ifndef FANOUT_CONFIG_SPEC_H_
#define FANOUT_CONFIG_SPEC_H_

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "processor/core/status.h"

namespace fanout::config {

enum class FieldType : std::uint8_t {
  kString,
  kInteger,           // int64, within [min, max]
  kBoolean,           // true / false
  kDuration,          // 250ms, 1s, 5m, 1h, 7d
  kDurationRange,     // "100ms..30s": initial..maximum
  kEnum,              // one of `values`
  kStringList,        // a list of strings (a single string is accepted as a one-element list)
  kPattern,           // a table or topic pattern: exact name, glob (* ?), or ^regex
  kPatternList,       // one pattern or a list of them
  kTablePatternList,  // like kPatternList, and an exact name must be qualified (schema.table)
  kSubscriptionList,  // topics for librdkafka to subscribe to: names or ^regex, one or a list
  kOpList,            // ops: c u d r t m (or create, update, ...), one or a list
  kTemplate,          // text with {placeholders}, compiled at load time
  kTemplateList,      // one template or a list of them
  kPredicate,         // a `when:` expression, compiled at load time
  kObject,            // a mapping with the keys in `children`
  kObjectList,        // a list of such mappings
  kObjectMap,         // user-chosen names, each a mapping with the keys in `children` (sinks)
  kPropertyMap,       // user-chosen keys, each a scalar (librdkafka properties, HTTP headers)
};

struct FieldSpec {
  std::string_view name;
  FieldType type = FieldType::kString;
  std::string_view description;
  bool required = false;
  std::string_view default_value;        // as written in YAML, for docs; empty: no default
  std::vector<std::string_view> values;  // kEnum
  // kInteger: the range. kDuration: the range in milliseconds (a duration is never negative;
  // min 1 means "above zero").
  std::int64_t min = std::numeric_limits<std::int64_t>::min();
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
  bool secret = false;  // never printed; fit for ${ENV}
  // For keys of a route or sink that only apply to some sink types ("redis", "kafka", ...).
  // Filled by ConfigSpec() from the SinkTypeSpecs that declare the key; never written by hand.
  std::vector<std::string_view> sink_types;
  // Validated now, but without effect until sink delivery exists; the docs say so.
  bool planned = false;
  std::vector<FieldSpec> children;  // kObject, kObjectList, kObjectMap
  std::string_view example;         // YAML snippet for docs
};

// One sink type's part of the configuration, kept with the sink (sinks/<type>/spec.cc) and
// registered with its factory: the keys of `sinks.<name>` (besides `type`) with this sink's own
// ranges and defaults, and the keys a route to such a sink takes besides the common ones.
struct SinkTypeSpec {
  std::string_view type;         // "redis"
  std::string_view description;  // for docs
  std::vector<FieldSpec> settings;
  std::vector<FieldSpec> route_keys;
  // A route to this sink needs at least one key of each of these lists.
  std::vector<std::vector<std::string_view>> route_needs_one_of;
  // Whether a route to this sink may name an idempotency-key store (`dedup:`).
  bool dedup = false;
  // How the record handler treats routes to this sink, declared with the type because routes
  // are wired before any sink exists. The sink cannot absorb a change delivered twice (an
  // append-only target: a topic, a service), so Debezium's re-emissions after a Connect restart
  // are skipped for it (processor/delivery/reemission_filter.h).
  bool skips_reemissions = false;
  // The sink keys its progress (processed offsets in its own transaction) by the consumed
  // record, so in a `fanout dlq replay` its actions carry the dead letter's coordinates.
  bool keys_progress_by_consumed_record = false;
};

// The sink types a configuration may use, in the order docs and messages list them.
using SinkTypes = std::vector<const SinkTypeSpec*>;

// The whole configuration file: the central keys, with the settings and route keys of
// `sink_types` merged in (a key several types declare appears once, its `sink_types` naming
// them; validation then uses each type's own FieldSpec).
FieldSpec ConfigSpec(const SinkTypes& sink_types);

// Markdown reference (docs/CONFIG.md): the central keys of `spec` (made by ConfigSpec) and each
// sink type's settings and route keys.
std::string RenderMarkdown(const FieldSpec& spec, const SinkTypes& sink_types);

// A readable name of a type for docs and errors ("duration", "list of templates", ...).
std::string_view TypeName(FieldType type);

// One scalar value, typed as its FieldSpec says.
using SettingValue = std::variant<std::string, std::int64_t, bool, std::chrono::milliseconds>;

// `text` read as `field` says: kInteger (within min..max), kDuration (within min..max ms),
// kBoolean, kEnum, kString (not empty when required). Any other type is kept as a string.
// InvalidArgument says what is expected and never quotes `text` (it may be a secret). The one
// parser of scalar values: the YAML validator and the sinks' settings both use it.
[[nodiscard]] Result<SettingValue> ParseScalar(const FieldSpec& field, std::string_view text);

// Typed settings: the values written (after ${ENV} substitution) and, for the keys not
// written, the defaults of their FieldSpecs.
class SettingValues {
 public:
  // Whether `key` was written (a default does not count).
  bool Has(std::string_view key) const;
  // The value of `key`, written or default. REQUIRES: the FieldSpec of `key` has that type and
  // (for all but String) a default, or `key` was written; otherwise "", 0, false, 0ms.
  std::string_view String(std::string_view key) const;
  std::int64_t Integer(std::string_view key) const;
  bool Boolean(std::string_view key) const;
  std::chrono::milliseconds Duration(std::string_view key) const;

 private:
  friend Result<SettingValues> ReadSettings(const std::vector<FieldSpec>& fields,
                                            const std::vector<std::pair<std::string, std::string>>&,
                                            std::string_view owner);
  const SettingValue* Find(std::string_view key) const;

  std::vector<std::pair<std::string, SettingValue>> written_;
  std::vector<std::pair<std::string, SettingValue>> defaults_;
};

// Reads `written` (key, text) pairs against `fields`; an empty text of a key with a default
// means the default. InvalidArgument "<key>: <what is wrong>"
// for a key no field has ("<key>: not a setting of <owner>") or a value ParseScalar refuses.
[[nodiscard]] Result<SettingValues> ReadSettings(
    const std::vector<FieldSpec>& fields,
    const std::vector<std::pair<std::string, std::string>>& written, std::string_view owner);

}  // namespace fanout::config

#endif  // FANOUT_CONFIG_SPEC_H_
