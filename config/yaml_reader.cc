#include "config/yaml_reader.h"

#include <charconv>

#include "config/duration.h"

namespace fanout::config {

SourceLocation YamlReader::Location(const YAML::Node& node) const {
  SourceLocation location{file_, 0, 0};
  if (node.IsDefined()) {
    YAML::Mark mark = node.Mark();
    if (!mark.is_null()) {
      location.line = mark.line + 1;
      location.column = mark.column + 1;
    }
  }
  return location;
}

void YamlReader::Error(const YAML::Node& node, std::string_view path, std::string message) {
  errors_->push_back(ConfigError{Location(node), std::string(path), std::move(message)});
}

YAML::Node YamlReader::Child(const YAML::Node& node, std::string_view key) {
  if (!node.IsDefined() || !node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node& map = node;
  return map[std::string(key)];
}

void YamlReader::ErrorAt(const YAML::Node& node, std::size_t offset, std::string_view path,
                         std::string message) {
  SourceLocation location = Location(node);
  // yaml-cpp tags quoted scalars "!" and plain ones "?"; a multi-line scalar has no simple
  // column arithmetic, so it keeps the scalar's own position.
  const bool single_line = node.IsScalar() && node.Scalar().find('\n') == std::string::npos;
  if (location.line > 0 && single_line) {
    location.column += static_cast<int>(offset) + (node.Tag() == "!" ? 1 : 0);
  }
  errors_->push_back(ConfigError{location, std::string(path), std::move(message)});
}

std::string YamlReader::Join(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out += '.';
  out += key;
  return out;
}

std::optional<std::string> YamlReader::String(const YAML::Node& node, std::string_view path) {
  if (!node.IsDefined()) {
    Error(node, path, "required value is missing");
    return std::nullopt;
  }
  if (!node.IsScalar()) {
    Error(node, path, "expected a string");
    return std::nullopt;
  }
  Result<std::string> value = SubstituteEnv(node.Scalar(), env_);
  if (!value.ok()) {
    Error(node, path, std::string(value.status().message()));
    return std::nullopt;
  }
  return std::move(value).value();
}

std::optional<std::int64_t> YamlReader::Integer(const YAML::Node& node, std::string_view path,
                                                std::int64_t min, std::int64_t max) {
  std::optional<std::string> text = String(node, path);
  if (!text) return std::nullopt;
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size()) {
    Error(node, path, "expected an integer");
    return std::nullopt;
  }
  if (value < min || value > max) {
    Error(node, path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<std::chrono::milliseconds> YamlReader::Duration(const YAML::Node& node,
                                                              std::string_view path) {
  std::optional<std::string> text = String(node, path);
  if (!text) return std::nullopt;
  Result<std::chrono::milliseconds> duration = ParseDuration(*text);
  if (!duration.ok()) {
    Error(node, path, std::string(duration.status().message()));
    return std::nullopt;
  }
  return duration.value();
}

std::optional<std::string> YamlReader::Enum(const YAML::Node& node, std::string_view path,
                                            const std::vector<std::string_view>& allowed) {
  std::optional<std::string> text = String(node, path);
  if (!text) return std::nullopt;
  std::string names;
  for (std::string_view name : allowed) {
    if (name == *text) return text;
    if (!names.empty()) names += ", ";
    names += name;
  }
  Error(node, path, "expected one of: " + names);
  return std::nullopt;
}

std::optional<std::vector<std::string>> YamlReader::StringList(const YAML::Node& node,
                                                               std::string_view path) {
  if (!node.IsDefined()) return std::nullopt;
  if (node.IsScalar()) {
    std::optional<std::string> item = String(node, path);
    if (!item) return std::nullopt;
    return std::vector<std::string>{std::move(*item)};
  }
  if (!node.IsSequence()) {
    Error(node, path, "expected a string or a list of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    std::optional<std::string> item =
        String(node[i], std::string(path) + "[" + std::to_string(i) + "]");
    if (item) {
      out.push_back(std::move(*item));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace fanout::config
