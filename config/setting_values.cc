// ParseScalar, SettingValues and ReadSettings (config/spec.h): typed values from a FieldSpec.
#include <algorithm>
#include <charconv>

#include "config/spec.h"
#include "processor/core/duration.h"

namespace fanout::config {
namespace {

std::string Join(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

Result<SettingValue> ParseInteger(const FieldSpec& field, std::string_view text) {
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return InvalidArgument("expected an integer");
  }
  if (value < field.min || value > field.max) {
    return InvalidArgument("must be between " + std::to_string(field.min) + " and " +
                           std::to_string(field.max));
  }
  return SettingValue(value);
}

Result<SettingValue> ParseDurationValue(const FieldSpec& field, std::string_view text) {
  FANOUT_ASSIGN_OR_RETURN(std::chrono::milliseconds value, ParseDuration(text));
  if (value.count() < field.min) {
    if (field.min == 1) return InvalidArgument("the duration must be above zero");
    return InvalidArgument("the duration must be at least " + std::to_string(field.min) + "ms");
  }
  if (value.count() > field.max) {
    return InvalidArgument("the duration is too large (at most " + std::to_string(field.max) +
                           "ms)");
  }
  return SettingValue(value);
}

}  // namespace

Result<SettingValue> ParseScalar(const FieldSpec& field, std::string_view text) {
  switch (field.type) {
    case FieldType::kInteger:
      return ParseInteger(field, text);
    case FieldType::kDuration:
      return ParseDurationValue(field, text);
    case FieldType::kBoolean:
      if (text == "true") return SettingValue(true);
      if (text == "false") return SettingValue(false);
      return InvalidArgument("expected true or false");
    case FieldType::kEnum:
      if (std::find(field.values.begin(), field.values.end(), text) == field.values.end()) {
        return InvalidArgument("expected one of: " + Join(field.values));
      }
      return SettingValue(std::string(text));
    case FieldType::kString:
      if (field.required && text.empty()) return InvalidArgument("must not be empty");
      return SettingValue(std::string(text));
    default:
      return SettingValue(std::string(text));
  }
}

const SettingValue* SettingValues::Find(std::string_view key) const {
  for (const auto* list : {&written_, &defaults_}) {
    for (const auto& [name, value] : *list) {
      if (name == key) return &value;
    }
  }
  return nullptr;
}

bool SettingValues::Has(std::string_view key) const {
  return std::any_of(written_.begin(), written_.end(),
                     [key](const auto& entry) { return entry.first == key; });
}

std::string_view SettingValues::String(std::string_view key) const {
  const SettingValue* value = Find(key);
  const auto* text = value != nullptr ? std::get_if<std::string>(value) : nullptr;
  return text != nullptr ? std::string_view(*text) : std::string_view();
}

std::int64_t SettingValues::Integer(std::string_view key) const {
  const SettingValue* value = Find(key);
  const auto* number = value != nullptr ? std::get_if<std::int64_t>(value) : nullptr;
  return number != nullptr ? *number : 0;
}

bool SettingValues::Boolean(std::string_view key) const {
  const SettingValue* value = Find(key);
  const auto* flag = value != nullptr ? std::get_if<bool>(value) : nullptr;
  return flag != nullptr && *flag;
}

std::chrono::milliseconds SettingValues::Duration(std::string_view key) const {
  const SettingValue* value = Find(key);
  const auto* duration = value != nullptr ? std::get_if<std::chrono::milliseconds>(value) : nullptr;
  return duration != nullptr ? *duration : std::chrono::milliseconds(0);
}

Result<SettingValues> ReadSettings(const std::vector<FieldSpec>& fields,
                                   const std::vector<std::pair<std::string, std::string>>& written,
                                   std::string_view owner) {
  auto find = [&fields](std::string_view key) -> const FieldSpec* {
    for (const FieldSpec& field : fields) {
      if (field.name == key) return &field;
    }
    return nullptr;
  };
  SettingValues out;
  for (const auto& [key, text] : written) {
    const FieldSpec* field = find(key);
    if (field == nullptr) return InvalidArgument(key + ": not a setting of " + std::string(owner));
    if (text.empty() && !field->default_value.empty()) continue;  // "${X:-}": the default
    Result<SettingValue> value = ParseScalar(*field, text);
    if (!value.ok()) return InvalidArgument(key + ": " + std::string(value.status().message()));
    out.written_.emplace_back(key, std::move(value).value());
  }
  for (const FieldSpec& field : fields) {
    if (field.default_value.empty() || out.Has(field.name)) continue;
    Result<SettingValue> value = ParseScalar(field, field.default_value);
    // A default the spec cannot read is a bug in the spec; a unit test reads every default.
    if (!value.ok()) {
      return Internal(std::string(field.name) +
                      ": bad default: " + std::string(value.status().message()));
    }
    out.defaults_.emplace_back(std::string(field.name), std::move(value).value());
  }
  return out;
}

}  // namespace fanout::config
