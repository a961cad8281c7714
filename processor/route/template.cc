#include "processor/route/template.h"

#include <charconv>
#include <string>
#include <utility>

namespace fanout {
namespace {

Status ErrorAt(std::size_t pos, std::string_view what, std::size_t* error_offset) {
  if (error_offset != nullptr) *error_offset = pos;
  return InvalidArgument("at character " + std::to_string(pos + 1) + ": " + std::string(what));
}

std::string_view SourceName(FieldSource source) {
  switch (source) {
    case FieldSource::kBefore:
      return "before";
    case FieldSource::kAfter:
      return "after";
    case FieldSource::kKey:
      return "key";
    default:
      return "";
  }
}

}  // namespace

void AppendValueText(const Value& value, std::string* out) {
  char buf[32];
  switch (value.kind()) {
    case Value::Kind::kBool:
      out->append(value.as_bool() ? "true" : "false");
      return;
    case Value::Kind::kInt: {
      const char* end = std::to_chars(buf, buf + sizeof(buf), value.as_int()).ptr;
      out->append(buf, static_cast<std::size_t>(end - buf));
      return;
    }
    case Value::Kind::kDouble: {
      const char* end = std::to_chars(buf, buf + sizeof(buf), value.as_double()).ptr;
      out->append(buf, static_cast<std::size_t>(end - buf));
      return;
    }
    case Value::Kind::kNull:
    case Value::Kind::kUnchanged:
      return;
    default:  // strings, JSON text, and kinds added later
      out->append(value.text());
      return;
  }
}

std::string_view Template::constant() const {
  return segments_.empty() ? std::string_view() : std::string_view(segments_.front().literal);
}

bool Template::TryRender(const ChangeEvent& event, Image image, std::string* out) const {
  const std::size_t original = out->size();
  for (const Segment& segment : segments_) {
    if (!segment.is_placeholder) {
      out->append(segment.literal);
      continue;
    }
    if (!AppendPlaceholder(segment, event, image, out)) {
      out->resize(original);
      return false;
    }
  }
  return true;
}

Status Template::Render(const ChangeEvent& event, Image image, std::string* out) const {
  if (TryRender(event, image, out)) return Status::Ok();
  // The bad path, walked again only to say precisely why: this reaches the dead-letter record.
  std::string scratch;
  for (const Segment& segment : segments_) {
    if (segment.is_placeholder && !AppendPlaceholder(segment, event, image, &scratch)) {
      return Unfillable(segment, event, image);
    }
  }
  return Internal("template " + text_ + " failed to render, then rendered");
}

Status Template::RenderEscaped(const ChangeEvent& event, Image image, const Escaper& escaper,
                               std::string* out) const {
  const std::size_t original = out->size();
  std::string value;
  for (const Segment& segment : segments_) {
    if (!segment.is_placeholder) {
      escaper.literal(segment.literal, out);
      continue;
    }
    value.clear();
    if (!AppendPlaceholder(segment, event, image, &value)) {
      out->resize(original);
      return Unfillable(segment, event, image);
    }
    if (Status escaped = escaper.value(value, out); !escaped.ok()) {
      out->resize(original);
      return escaped.WithContext("placeholder " + segment.literal);
    }
  }
  return Status::Ok();
}

FieldSource Template::SourceFor(const FieldRef& field, Image image) {
  if (field.source == FieldSource::kColumn && image != Image::kDefault) {
    return image == Image::kBefore ? FieldSource::kBefore : FieldSource::kAfter;
  }
  return field.source;
}

bool Template::AppendPlaceholder(const Segment& segment, const ChangeEvent& event, Image image,
                                 std::string* out) {
  const FieldRef& field = segment.field;
  if (!field.is_column()) {
    const std::string_view attribute = ResolveAttribute(event, field.source);
    if (attribute.empty()) return false;
    out->append(attribute);
    return true;
  }
  const Value* value = ResolveColumn(event, SourceFor(field, image), field.column);
  if (value == nullptr || value->kind() == Value::Kind::kNull ||
      value->kind() == Value::Kind::kUnchanged) {
    return false;
  }
  AppendValueText(*value, out);
  return true;
}

Status Template::Unfillable(const Segment& segment, const ChangeEvent& event, Image image) {
  const FieldRef& field = segment.field;
  if (!field.is_column()) {
    return InvalidArgument("placeholder " + segment.literal + ": the event has no " +
                           segment.literal.substr(1, segment.literal.size() - 2));
  }
  const FieldSource source = SourceFor(field, image);
  const Value* value = ResolveColumn(event, source, field.column);
  std::string why;
  const std::optional<Row>* row = source == FieldSource::kBefore  ? &event.before
                                  : source == FieldSource::kAfter ? &event.after
                                                                  : nullptr;
  if (row != nullptr && !row->has_value()) {
    why = "the event has no " + std::string(SourceName(source)) + " image";
  } else if (value == nullptr) {
    why = source == FieldSource::kColumn
              ? "no column '" + field.column + "' in the after, before or key image"
              : "the " + std::string(SourceName(source)) + " image has no column '" + field.column +
                    "'";
  } else if (value->kind() == Value::Kind::kNull) {
    why = "column '" + field.column + "' is null";
  } else {
    why = "column '" + field.column + "' is an unchanged TOAST value the source did not send";
  }
  return InvalidArgument("placeholder " + segment.literal + ": " + why);
}

Result<Template> CompileTemplate(std::string_view text, std::size_t* error_offset) {
  Template compiled;
  compiled.text_.assign(text);
  std::string literal;
  auto flush = [&]() {
    if (literal.empty()) return;
    compiled.segments_.push_back({.literal = std::move(literal)});
    literal.clear();
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const bool doubled = i + 1 < text.size() && text[i + 1] == c;
    if ((c == '{' || c == '}') && doubled) {
      literal.push_back(c);
      i += 2;
      continue;
    }
    if (c == '}') return ErrorAt(i, "unmatched '}' (write '}}' for a literal brace)", error_offset);
    if (c != '{') {
      literal.push_back(c);
      ++i;
      continue;
    }
    const std::size_t close = text.find_first_of("{}", i + 1);
    if (close == std::string_view::npos || text[close] == '{') {
      return ErrorAt(i, "unclosed '{' (write '{{' for a literal brace)", error_offset);
    }
    const std::string_view name = text.substr(i + 1, close - i - 1);
    if (name.empty()) return ErrorAt(i, "empty placeholder '{}'", error_offset);
    const std::size_t space = name.find_first_of(" \t\r\n");
    if (space != std::string_view::npos) {
      return ErrorAt(i + 1 + space, "whitespace in placeholder", error_offset);
    }
    Result<FieldRef> field = ParseFieldRef(name);
    if (!field.ok()) return ErrorAt(i + 1, field.status().message(), error_offset);
    flush();
    compiled.has_bare_columns_ |= field->source == FieldSource::kColumn;
    compiled.segments_.push_back({.is_placeholder = true,
                                  .literal = std::string(text.substr(i, close - i + 1)),
                                  .field = std::move(field).value()});
    ++compiled.placeholders_;
    i = close + 1;
  }
  flush();
  return compiled;
}

}  // namespace fanout
