#include "processor/debezium/row_decoder.h"

#include <charconv>
#include <cstdint>

#include "processor/core/json_syntax.h"
#include "processor/core/json_writer.h"
#include "processor/debezium/logical_types.h"

namespace fanout::debezium {
namespace {

namespace dom = simdjson::dom;
using simdjson::SUCCESS;

// The placeholder in the shapes Debezium gives it per column type (debezium-format.md §4).
constexpr std::string_view kPlaceholderBase64 = "X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ==";
// uuid[]: java.util.UUID.nameUUIDFromBytes(placeholder bytes), an MD5-based version-3 UUID.
constexpr std::string_view kPlaceholderUuid = "b68a35a7-17ad-35b3-af2a-ae46edb4545a";
// hstore in json mode: the map {placeholder: placeholder} serialised by Jackson.
constexpr std::string_view kPlaceholderHstoreJson =
    R"({"__debezium_unavailable_value":"__debezium_unavailable_value"})";

// What Debezium 3.2 sends for `-infinity` inside a timestamptz[] (observed on 3.2.7 with a UTC
// worker): the JDBC driver's -infinity Date printed without its era (292269055 BC). No
// PostgreSQL timestamp has that year, so it can only mean -infinity. (A scalar timestamptz
// arrives as "-infinity".)
constexpr std::string_view kMangledNegativeInfinity = "+292269055-12-02T23:00:00.000000Z";

bool IsPlaceholderText(std::string_view text) {
  return text == kUnavailablePlaceholder || text == kPlaceholderBase64 ||
         text == kPlaceholderHstoreJson;
}

// ["__debezium_unavailable_value"], ["X19k...ZQ=="], [uuid], or the placeholder's bytes as ints
// (int[], bigint[], date[]), or the hstore map {placeholder: placeholder}.
bool IsPlaceholderContainer(dom::element element) {
  dom::array array;
  if (element.get_array().get(array) == SUCCESS) {
    const std::size_t size = array.size();
    if (size == 1) {
      std::string_view text;
      if (array.at(0).get_string().get(text) != SUCCESS) return false;
      return text == kUnavailablePlaceholder || text == kPlaceholderBase64 ||
             text == kPlaceholderUuid;
    }
    if (size != kUnavailablePlaceholder.size()) return false;
    std::size_t i = 0;
    for (dom::element item : array) {
      std::int64_t v = 0;
      if (item.get_int64().get(v) != SUCCESS) return false;
      if (v != static_cast<unsigned char>(kUnavailablePlaceholder[i++])) return false;
    }
    return true;
  }
  dom::object object;
  if (element.get_object().get(object) == SUCCESS && object.size() == 1) {
    std::string_view text;
    return object.at_key(kUnavailablePlaceholder).get_string().get(text) == SUCCESS &&
           text == kUnavailablePlaceholder;
  }
  return false;
}

Status FieldError(const FieldPlan& field, std::string_view what) {
  return InvalidArgument("column '" + field.name + "' (" +
                         (field.logical_name.empty() ? std::string("bytes") : field.logical_name) +
                         "): " + std::string(what));
}

void SetNumberText(std::string* out, dom::element element) {
  char buffer[32];
  std::to_chars_result result{};
  switch (element.type()) {
    case dom::element_type::INT64:
      result = std::to_chars(buffer, buffer + sizeof(buffer), element.get_int64().value_unsafe());
      break;
    case dom::element_type::UINT64:
      result = std::to_chars(buffer, buffer + sizeof(buffer), element.get_uint64().value_unsafe());
      break;
    default:
      // decimal.format=NUMERIC with a fraction: simdjson's DOM has parsed it as a double; the
      // shortest round-trip text is exact for up to 15 significant digits.
      result = std::to_chars(buffer, buffer + sizeof(buffer), element.get_double().value_unsafe());
      break;
  }
  out->assign(buffer, result.ptr);
}

}  // namespace

Status RowDecoder::DecodeRow(dom::object object, const StructPlan* plan,
                             std::string_view skip_prefix, Row* row) {
  std::size_t n = 0;
  std::size_t index = 0;
  for (dom::key_value_pair member : object) {
    std::size_t position = index++;
    if (!skip_prefix.empty() && member.key.substr(0, skip_prefix.size()) == skip_prefix) continue;
    if (n == row->size()) row->emplace_back();
    Column& column = (*row)[n++];
    column.name.assign(member.key);
    const FieldPlan* field = plan ? plan->Find(member.key, position) : nullptr;
    FANOUT_RETURN_IF_ERROR(DecodeValue(member.value, field, &column.value));
  }
  row->resize(n);
  return Status();
}

Status RowDecoder::DecodeValue(dom::element element, const FieldPlan* field, Value* out) {
  switch (element.type()) {
    case dom::element_type::NULL_VALUE:
      out->SetNull();
      return Status();
    case dom::element_type::STRING:
      if (IsPlaceholderText(element.get_string().value_unsafe())) {
        out->SetUnchanged();
        return Status();
      }
      break;
    case dom::element_type::ARRAY:
    case dom::element_type::OBJECT:
      if (IsPlaceholderContainer(element)) {
        out->SetUnchanged();
        return Status();
      }
      break;
    default:
      break;
  }
  if (field != nullptr && field->type != FieldType::kPlain) {
    return DecodeLogical(element, *field, out);
  }
  switch (element.type()) {
    case dom::element_type::NULL_VALUE:
      out->SetNull();
      break;
    case dom::element_type::BOOL:
      out->SetBool(element.get_bool().value_unsafe());
      break;
    case dom::element_type::INT64:
      out->SetInt(element.get_int64().value_unsafe());
      break;
    case dom::element_type::UINT64:
      // Above int64's range (MySQL BIGINT UNSIGNED): exact, as decimal text.
      SetNumberText(out->MutableText(Value::Kind::kDecimal), element);
      break;
    case dom::element_type::DOUBLE:
      out->SetDouble(element.get_double().value_unsafe());
      break;
    case dom::element_type::STRING:
      out->SetText(Value::Kind::kString, element.get_string().value_unsafe());
      break;
    case dom::element_type::ARRAY:
    case dom::element_type::OBJECT: {
      std::string* text = out->MutableText(Value::Kind::kJson);
      *text = simdjson::minify(element);
      break;
    }
  }
  return Status();
}

Status RowDecoder::DecodeLogical(dom::element element, const FieldPlan& field, Value* out) {
  std::string_view text;
  std::int64_t number = 0;
  switch (field.type) {
    case FieldType::kPlain:
      return DecodeValue(element, nullptr, out);
    case FieldType::kBytes:
      if (element.get_string().get(text) != SUCCESS)
        return FieldError(field, "not a base64 string");
      if (!DecodeBase64(text, out->MutableText(Value::Kind::kBytes))) {
        return FieldError(field, "bad base64");
      }
      return Status();
    case FieldType::kDecimal: {
      std::string* result = out->MutableText(Value::Kind::kDecimal);
      if (element.get_string().get(text) == SUCCESS) {
        if (!DecodeBase64(text, &scratch_)) return FieldError(field, "bad base64");
        Status status = AppendDecimal(scratch_, field.scale, result);
        return status.ok() ? status : FieldError(field, status.message());
      }
      if (element.is_number()) {  // decimal.format=NUMERIC
        SetNumberText(&scratch_, element);
        Status status = AppendDecimalNumber(scratch_, field.scale, result);
        return status.ok() ? status : FieldError(field, status.message());
      }
      return FieldError(field, "neither a base64 string nor a number");
    }
    case FieldType::kVariableScaleDecimal: {
      dom::object object;
      std::int64_t scale = 0;
      if (element.get_object().get(object) != SUCCESS ||
          object["scale"].get_int64().get(scale) != SUCCESS ||
          object["value"].get_string().get(text) != SUCCESS) {
        return FieldError(field, "not an object {scale: int, value: base64}");
      }
      if (scale > kMaxDecimalScale || scale < -kMaxDecimalScale) {
        return FieldError(field, "scale out of range");
      }
      if (!DecodeBase64(text, &scratch_)) return FieldError(field, "bad base64");
      Status status = AppendDecimal(scratch_, static_cast<std::int32_t>(scale),
                                    out->MutableText(Value::Kind::kDecimal));
      return status.ok() ? status : FieldError(field, status.message());
    }
    case FieldType::kDate:
      if (element.get_int64().get(number) != SUCCESS) return FieldError(field, "not an integer");
      if (number > INT32_MAX || number < INT32_MIN) return FieldError(field, "not an int32");
      AppendDate(number, out->MutableText(Value::Kind::kString));
      return Status();
    case FieldType::kTime: {
      if (element.get_int64().get(number) != SUCCESS) return FieldError(field, "not an integer");
      Status status =
          AppendTimeOfDay(number, field.units_per_second, out->MutableText(Value::Kind::kString));
      return status.ok() ? status : FieldError(field, status.message());
    }
    case FieldType::kTimestamp:
      if (element.get_int64().get(number) != SUCCESS) return FieldError(field, "not an integer");
      AppendTimestamp(number, field.units_per_second, out->MutableText(Value::Kind::kString));
      return Status();
    case FieldType::kJson: {
      if (element.get_string().get(text) != SUCCESS) return FieldError(field, "not a string");
      dom::element document;
      auto error = json_parser_.parse(text.data(), text.size()).get(document);
      // A number beyond double's range or 64-bit integers (valid in json/jsonb) is no error:
      // the text passes on exactly as it is, checked by a grammar that takes any number.
      if ((error == simdjson::NUMBER_ERROR || error == simdjson::NUMBER_OUT_OF_RANGE) &&
          simdjson::validate_utf8(text.data(), text.size()) && IsJsonText(text)) {
        error = SUCCESS;
      }
      if (error != SUCCESS) {
        return FieldError(field,
                          std::string("not valid JSON (") + simdjson::error_message(error) + ")");
      }
      // Kept as the source wrote it: a `json` column stores its text verbatim (whitespace and
      // key order included), and numbers keep their digits. JSON writers fold raw line breaks
      // (processor/core/json_writer.cc), so outputs stay one line.
      out->SetText(Value::Kind::kJson, text);
      return Status();
    }
    case FieldType::kText:
      if (element.get_string().get(text) != SUCCESS) return FieldError(field, "not a string");
      out->SetText(Value::Kind::kString, text);
      return Status();
    case FieldType::kZonedTimestamp:
      if (element.get_string().get(text) != SUCCESS) return FieldError(field, "not a string");
      out->SetText(Value::Kind::kString,
                   text == kMangledNegativeInfinity ? std::string_view("-infinity") : text);
      return Status();
    case FieldType::kArray:
      return DecodeArray(element, field, out);
  }
  return Status();
}

Status RowDecoder::DecodeArray(dom::element element, const FieldPlan& field, Value* out) {
  dom::array array;
  if (element.get_array().get(array) != SUCCESS || field.element == nullptr) {
    return FieldError(field, "not an array");
  }
  // Each item decoded like a column of the item's type and written as that value's JSON (dates
  // and timestamps as ISO text, decimals as strings, bytes as base64), so every output carries
  // the values, not Debezium's encodings of them. Items are decoded into a Value of this call's
  // own: a nested array decodes its items while this one's text is being built.
  std::string text = "[";
  Value item_value;
  for (dom::element item : array) {
    if (text.size() > 1) text.push_back(',');
    if (item.is_null()) {
      text.append("null");
      continue;
    }
    FANOUT_RETURN_IF_ERROR(DecodeLogical(item, *field.element, &item_value));
    AppendJsonValue(text, item_value);
  }
  text.push_back(']');
  out->SetText(Value::Kind::kJson, text);
  return Status();
}

}  // namespace fanout::debezium
