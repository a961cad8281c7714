#include "processor/route/router.h"

#include <string>
#include <utility>

namespace fanout {
namespace {

std::string RouteLabel(const RouteSpec& spec, std::size_t index) {
  if (spec.name.empty()) return "route #" + std::to_string(index + 1);
  return "route '" + spec.name + "'";
}

}  // namespace

std::uint8_t CompiledRoute::OpBit(Op op) {
  switch (op) {
    case Op::kCreate:
      return 1u << 0;
    case Op::kUpdate:
      return 1u << 1;
    case Op::kDelete:
      return 1u << 2;
    case Op::kRead:
      return 1u << 3;
    case Op::kTruncate:
      return 1u << 4;
    case Op::kMessage:
      return 1u << 5;
  }
  return 0;
}

std::span<const Template> CompiledRoute::Templates(std::string_view name) const {
  for (const TemplateGroup& group : template_groups_) {
    if (group.name == name)
      return std::span<const Template>(templates_).subspan(group.first, group.count);
  }
  return {};
}

std::vector<std::string_view> CompiledRoute::TemplateNames() const {
  std::vector<std::string_view> names;
  for (const TemplateGroup& group : template_groups_) names.push_back(group.name);
  return names;
}

bool CompiledRoute::Matches(const ChangeEvent& event, std::string_view qualified_table) const {
  // Cheapest tests first; the predicate last.
  return event.kind == RecordKind::kChange && MatchesOp(event.op) &&
         topics_.Matches(event.origin.topic) && tables_.Matches(qualified_table) &&
         predicate_.Evaluate(event);
}

void Router::CompileRoute(const RouteSpec& spec, CompiledRoute* route,
                          std::vector<std::string>* errors) {
  route->name_ = spec.name;
  route->sink_ = spec.sink;
  if (spec.name.empty()) errors->push_back("name is required");
  if (spec.sink.empty()) errors->push_back("sink is required");

  Result<NameMatcher> tables = NameMatcher::Compile(spec.tables, "tables");
  if (tables.ok()) {
    route->tables_ = std::move(tables).value();
    for (std::size_t i = 0; i < spec.tables.size(); ++i) {
      Status table = CheckTablePattern(spec.tables[i]);
      if (!table.ok()) {
        errors->push_back("tables[" + std::to_string(i) + "]: " + std::string(table.message()));
      }
    }
  } else {
    errors->push_back(std::string(tables.status().message()));
  }
  Result<NameMatcher> topics = NameMatcher::Compile(spec.topics, "topics");
  if (topics.ok()) {
    route->topics_ = std::move(topics).value();
  } else {
    errors->push_back(std::string(topics.status().message()));
  }

  if (spec.ops.empty()) {
    for (Op op : kDefaultRouteOps) route->op_mask_ |= CompiledRoute::OpBit(op);
  }
  for (Op op : spec.ops) route->op_mask_ |= CompiledRoute::OpBit(op);

  Result<Predicate> predicate = CompilePredicate(spec.when);
  if (predicate.ok()) {
    route->predicate_ = std::move(predicate).value();
  } else {
    errors->push_back("when: " + std::string(predicate.status().message()));
  }

  Result<Projection> projection = Projection::Compile(spec.projection);
  if (projection.ok()) {
    route->projection_ = std::move(projection).value();
  } else {
    errors->push_back(std::string(projection.status().message()));
  }

  // Group templates by name (order of first appearance), keeping declaration order within one.
  for (std::size_t i = 0; i < spec.templates.size(); ++i) {
    const std::string& name = spec.templates[i].first;
    if (name.empty()) {
      errors->push_back("templates[" + std::to_string(i) + "]: empty template name");
      continue;
    }
    bool seen = false;
    for (const auto& group : route->template_groups_) seen |= group.name == name;
    if (seen) continue;
    CompiledRoute::TemplateGroup group{.name = name, .first = route->templates_.size()};
    std::size_t index_in_group = 0;
    for (std::size_t j = i; j < spec.templates.size(); ++j) {
      if (spec.templates[j].first != name) continue;
      const std::string& text = spec.templates[j].second;
      Result<Template> compiled = CompileTemplate(text);
      if (compiled.ok()) {
        route->templates_.push_back(std::move(compiled).value());
        ++group.count;
      } else {
        errors->push_back(name + "[" + std::to_string(index_in_group) + "] '" + text +
                          "': " + std::string(compiled.status().message()));
      }
      ++index_in_group;
    }
    route->template_groups_.push_back(std::move(group));
  }
}

Result<Router> Router::Create(std::vector<RouteSpec> specs) {
  Router router;
  router.routes_.resize(specs.size());
  std::vector<std::string> errors;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const RouteSpec& spec = specs[i];
    const std::string label = RouteLabel(spec, i);
    for (std::size_t j = 0; j < i && !spec.name.empty(); ++j) {
      if (specs[j].name == spec.name) {
        errors.push_back(label + ": duplicate name (route #" + std::to_string(j + 1) +
                         " has it too)");
        break;
      }
    }
    std::vector<std::string> route_errors;
    CompileRoute(spec, &router.routes_[i], &route_errors);
    for (std::string& error : route_errors) errors.push_back(label + ": " + error);
    router.any_table_patterns_ |= !router.routes_[i].tables_.empty();
  }
  if (!errors.empty()) {
    std::string message;
    for (const std::string& error : errors) {
      if (!message.empty()) message += "; ";
      message += error;
    }
    return InvalidArgument(std::move(message));
  }
  return router;
}

void Router::Match(const ChangeEvent& event, std::vector<const CompiledRoute*>* out) const {
  out->clear();
  if (event.kind != RecordKind::kChange) return;
  // One buffer per thread: after its first events it has the capacity every name needs.
  thread_local std::string qualified_buffer;
  const std::string_view qualified =
      any_table_patterns_ ? event.QualifiedTableInto(&qualified_buffer) : std::string_view();
  for (const CompiledRoute& route : routes_) {
    if (route.Matches(event, qualified)) out->push_back(&route);
  }
}

const CompiledRoute* Router::Find(std::string_view name) const {
  for (const CompiledRoute& route : routes_) {
    if (route.name_ == name) return &route;
  }
  return nullptr;
}

}  // namespace fanout
