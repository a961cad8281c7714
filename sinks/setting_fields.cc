#include "sinks/setting_fields.h"

// Designated initializers name only the fields each key needs; the rest keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace fanout {

using config::FieldSpec;
using T = config::FieldType;

FieldSpec UsernameField(std::string_view description) {
  return {.name = "username", .type = T::kString, .description = description};
}

FieldSpec PasswordField() {
  return {.name = "password",
          .type = T::kString,
          .description = "Password; use `${ENV}`.",
          .secret = true};
}

FieldSpec TimeoutField(std::string_view description, std::int64_t max_ms) {
  return {.name = "timeout",
          .type = T::kDuration,
          .description = description,
          .default_value = "10s",
          .min = 1,
          .max = max_ms};
}

FieldSpec PoolSizeField(std::string_view default_value, std::string_view description) {
  return {.name = "pool_size",
          .type = T::kInteger,
          .description = description,
          .default_value = default_value,
          .min = 1,
          .max = 256};
}

FieldSpec BatchSizeField(std::string_view description, std::string_view default_value,
                         std::int64_t max) {
  return {.name = "batch_size",
          .type = T::kInteger,
          .description = description,
          .default_value = default_value,
          .min = 1,
          .max = max};
}

FieldSpec ValueRouteKey(std::string_view description) {
  return {.name = "value",
          .type = T::kEnum,
          .description = description,
          .default_value = "after",
          .values = {"after", "envelope"}};
}

}  // namespace fanout
