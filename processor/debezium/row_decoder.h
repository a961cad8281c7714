// RowDecoder: JSON row images (before/after/key/flattened rows) → Row, typed by a StructPlan
// when the record carried a schema. Internal to processor/debezium.
//
// With a plan, logical types become natural values (decimals → kDecimal text, dates/times →
// ISO-8601 kString, Json → re-parsed kJson, bytes/Bits → kBytes), also as the items of an
// array (kJson of the decoded items; Json items stay JSON text strings). Without one, values stay
// as Debezium encoded them (a Decimal is its base64 string, a Date its day count): without the
// schema the encoding cannot be known. The unchanged-TOAST placeholder becomes kUnchanged in all
// its shapes, with or without a plan.
#ifndef FANOUT_PROCESSOR_DEBEZIUM_ROW_DECODER_H_
#define FANOUT_PROCESSOR_DEBEZIUM_ROW_DECODER_H_

#include <simdjson.h>

#include <string>
#include <string_view>

#include "processor/core/status.h"
#include "processor/core/value.h"
#include "processor/debezium/schema_plan.h"

namespace fanout::debezium {

inline constexpr std::string_view kUnavailablePlaceholder = "__debezium_unavailable_value";

class RowDecoder {
 public:
  // Decodes `object` into `*row`, reusing its columns' storage. Members whose name starts with
  // `skip_prefix` (when not empty) are left out. `plan` may be null (no schema).
  Status DecodeRow(simdjson::dom::object object, const StructPlan* plan,
                   std::string_view skip_prefix, Row* row);

  // One value. `field` may be null (no schema, or a member the schema does not list).
  Status DecodeValue(simdjson::dom::element element, const FieldPlan* field, Value* out);

 private:
  Status DecodeLogical(simdjson::dom::element element, const FieldPlan& field, Value* out);
  // kArray: a JSON array of items of field.element's logical type → kJson of decoded items.
  Status DecodeArray(simdjson::dom::element element, const FieldPlan& field, Value* out);

  simdjson::dom::parser json_parser_;  // for io.debezium.data.Json: a document of its own
  std::string scratch_;
};

}  // namespace fanout::debezium

#endif  // FANOUT_PROCESSOR_DEBEZIUM_ROW_DECODER_H_
