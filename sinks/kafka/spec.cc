#include "sinks/kafka/spec.h"

#include "sinks/setting_fields.h"

// Designated initializers name only the fields each key needs; the rest keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace fanout {
namespace {

using T = config::FieldType;

config::SinkTypeSpec MakeKafkaSinkType() {
  return {
      .type = "kafka",
      .description =
          "Kafka: records produced in the transaction that commits the consumer's "
          "offsets; exactly once. See docs/GUARANTEES.md.",
      .settings =
          {
              {.name = "properties",
               .type = T::kPropertyMap,
               .description = "librdkafka producer properties, on top of `kafka:`. All kafka "
                              "sinks share one producer per instance (one transaction), so "
                              "their properties are merged."},
              // Accepted before the sinks had specs of their own (one `batch_size` for every
              // type): a config that says it must still validate.
              BatchSizeField("Ignored: kafka records are produced in the consume loop's "
                             "transaction, not in batches of their own; accepted so that older "
                             "configs still validate.",
                             "", 100000),
          },
      .route_keys =
          {
              {.name = "topic", .type = T::kTemplate, .description = "Target topic."},
              {.name = "key",
               .type = T::kTemplate,
               .description = "Record key; default: the source record's key."},
              ValueRouteKey(
                  "What the record carries: the projected after-image, or the whole event."),
          },
      .route_needs_one_of = {{"topic"}},
      .skips_reemissions = true,
  };
}

}  // namespace

const config::SinkTypeSpec& KafkaSinkType() {
  static const config::SinkTypeSpec spec = MakeKafkaSinkType();
  return spec;
}

}  // namespace fanout
