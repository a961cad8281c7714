#include "processor/route/projection.h"

#include <algorithm>
#include <string>
#include <utility>

namespace fanout {
namespace {

Status ErrorIn(std::string_view list, std::size_t index, std::string_view what) {
  return InvalidArgument(std::string(list) + "[" + std::to_string(index) +
                         "]: " + std::string(what));
}

}  // namespace

Result<Projection> Projection::Compile(const ColumnProjection& spec) {
  Projection projection;
  std::vector<Rule>& rules = projection.rules_;
  auto find = [&rules](std::string_view name) -> Rule* {
    for (Rule& rule : rules) {
      if (rule.name == name) return &rule;
    }
    return nullptr;
  };
  projection.include_all_ = spec.include.empty();
  for (std::size_t i = 0; i < spec.include.size(); ++i) {
    const std::string& name = spec.include[i];
    if (name.empty()) return ErrorIn("include", i, "empty column name");
    if (find(name) != nullptr) return ErrorIn("include", i, "'" + name + "' is listed twice");
    rules.push_back({.name = name, .keep = true, .output = name});
  }
  for (std::size_t i = 0; i < spec.exclude.size(); ++i) {
    const std::string& name = spec.exclude[i];
    if (name.empty()) return ErrorIn("exclude", i, "empty column name");
    Rule* rule = find(name);
    if (rule != nullptr && !rule->keep) {
      return ErrorIn("exclude", i, "'" + name + "' is listed twice");
    }
    if (rule == nullptr && !projection.include_all_) {
      return ErrorIn("exclude", i, "'" + name + "' is not in include, so it is dropped already");
    }
    if (rule == nullptr) {
      rules.push_back({.name = name, .keep = false});
    } else {
      rule->keep = false;
    }
  }
  for (std::size_t i = 0; i < spec.rename.size(); ++i) {
    const auto& [from, to] = spec.rename[i];
    if (from.empty() || to.empty()) return ErrorIn("rename", i, "empty column name");
    Rule* rule = find(from);
    if (rule != nullptr && !rule->keep) {
      return ErrorIn("rename", i, "'" + from + "' is excluded");
    }
    if (rule == nullptr && !projection.include_all_) {
      return ErrorIn("rename", i, "'" + from + "' is not in include");
    }
    if (rule != nullptr && rule->output != from) {
      return ErrorIn("rename", i, "'" + from + "' is renamed twice");
    }
    for (const Rule& other : rules) {
      if (other.keep && other.name != from && other.output == to) {
        return ErrorIn("rename", i,
                       "'" + from + "' -> '" + to + "' collides with column '" + other.name + "'" +
                           (other.name == to ? "" : " (renamed to '" + to + "')"));
      }
    }
    if (rule == nullptr) {
      rules.push_back({.name = from, .keep = true, .output = to});
    } else {
      rule->output = to;
    }
  }
  std::sort(rules.begin(), rules.end(),
            [](const Rule& a, const Rule& b) { return a.name < b.name; });
  return projection;
}

std::optional<std::string_view> Projection::OutputName(std::string_view name) const {
  auto it = std::lower_bound(rules_.begin(), rules_.end(), name,
                             [](const Rule& rule, std::string_view n) { return rule.name < n; });
  if (it == rules_.end() || it->name != name) {
    if (include_all_) return name;
    return std::nullopt;
  }
  if (!it->keep) return std::nullopt;
  return std::string_view(it->output);
}

void Projection::Apply(const Row& row, Row* out) const {
  out->clear();
  ForEach(row, [out](std::string_view name, const Value& value) {
    out->push_back(Column{.name = std::string(name), .value = value});
  });
}

Row Projection::Apply(const Row& row) const {
  Row out;
  Apply(row, &out);
  return out;
}

}  // namespace fanout
