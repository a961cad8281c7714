#include "processor/delivery/commit_metadata.h"

#include <algorithm>

namespace fanout::commit_metadata {
namespace {

constexpr std::string_view kVersion = "fanout/1";

}  // namespace

std::string_view Field(std::string_view metadata, std::string_view name) {
  if (!metadata.starts_with(kVersion)) return {};
  metadata.remove_prefix(kVersion.size());
  while (!metadata.empty()) {
    if (metadata.front() == ' ') {
      metadata.remove_prefix(1);
      continue;
    }
    const std::size_t end = std::min(metadata.find(' '), metadata.size());
    const std::string_view field = metadata.substr(0, end);
    metadata.remove_prefix(end);
    if (field.size() > name.size() && field.starts_with(name) && field[name.size()] == '=') {
      return field.substr(name.size() + 1);
    }
  }
  return {};
}

void AddField(std::string* metadata, std::string_view name, std::string_view value) {
  if (metadata->empty()) metadata->append(kVersion);
  metadata->push_back(' ');
  metadata->append(name);
  metadata->push_back('=');
  metadata->append(value);
}

}  // namespace fanout::commit_metadata
