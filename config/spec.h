// FieldSpec: the declarative description of every configuration key. One tree drives
// validation (types, unknown keys, required keys, enums, ranges, references) and the generated
// reference docs/CONFIG.md (`fanout config-docs`), so the two cannot drift apart.
#ifndef FANOUT_CONFIG_SPEC_H_
#define FANOUT_CONFIG_SPEC_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

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
  std::int64_t min = std::numeric_limits<std::int64_t>::min();  // kInteger
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
  bool secret = false;  // never printed; fit for ${ENV}
  // For keys of a route or sink that only apply to some sink types ("redis", "kafka", ...).
  std::vector<std::string_view> sink_types;
  // Validated now, but without effect until sink delivery exists; the docs say so.
  bool planned = false;
  std::vector<FieldSpec> children;  // kObject, kObjectList, kObjectMap
  std::string_view example;         // YAML snippet for docs
};

// The whole configuration file.
const FieldSpec& ConfigSpec();

// Markdown reference of `spec` (docs/CONFIG.md).
std::string RenderMarkdown(const FieldSpec& spec);

// A readable name of a type for docs and errors ("duration", "list of templates", ...).
std::string_view TypeName(FieldType type);

}  // namespace fanout::config

#endif  // FANOUT_CONFIG_SPEC_H_
