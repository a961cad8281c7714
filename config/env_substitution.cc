#include "config/env_substitution.h"

#include <cstdlib>

namespace fanout::config {
namespace {

bool IsNameChar(char c, bool first) {
  if (c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return true;
  return !first && c >= '0' && c <= '9';
}

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<std::string> SubstituteEnv(std::string_view text, const EnvLookup& lookup) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    if (i + 1 >= text.size() || text[i + 1] != '{') {
      out.push_back('$');  // a lone '$' is literal
      continue;
    }
    std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return InvalidArgument("unterminated ${...} reference");
    }
    std::string_view inner = text.substr(i + 2, close - i - 2);
    std::string_view name = inner;
    std::optional<std::string_view> fallback;
    if (std::size_t sep = inner.find(":-"); sep != std::string_view::npos) {
      name = inner.substr(0, sep);
      fallback = inner.substr(sep + 2);
    }
    bool valid = !name.empty();
    for (std::size_t k = 0; k < name.size() && valid; ++k) valid = IsNameChar(name[k], k == 0);
    if (!valid) {
      return InvalidArgument("'${" + std::string(inner) +
                             "}' is not a valid reference (expected ${NAME} or ${NAME:-default})");
    }
    std::optional<std::string> value = lookup(name);
    if (value) {
      out += *value;
    } else if (fallback) {
      out += *fallback;
    } else {
      return InvalidArgument("environment variable " + std::string(name) + " is not set (use ${" +
                             std::string(name) + ":-default} for a default)");
    }
    i = close;
  }
  return out;
}

}  // namespace fanout::config
