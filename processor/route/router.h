// Router: the compiled routing rules. Create() compiles every RouteSpec once (table and topic
// patterns, op set, `when:` predicate, projection, templates); Match() then finds, for one
// ChangeEvent, every route it belongs to, in declaration order.
//
// A Router and its CompiledRoutes are immutable after Create: Match and every accessor are const,
// allocation-free on the hot path (after a thread's first event) and safe to call from any
// number of threads at once. CompiledRoute pointers stay valid as long as the Router (moving the
// Router keeps them valid; it cannot be copied).
#ifndef FANOUT_PROCESSOR_ROUTE_ROUTER_H_
#define FANOUT_PROCESSOR_ROUTE_ROUTER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "processor/core/change_event.h"
#include "processor/core/status.h"
#include "processor/route/name_pattern.h"
#include "processor/route/predicate.h"
#include "processor/route/projection.h"
#include "processor/route/route_spec.h"
#include "processor/route/template.h"

namespace fanout {

class CompiledRoute {
 public:
  const std::string& name() const { return name_; }
  const std::string& sink() const { return sink_; }
  const NameMatcher& tables() const { return tables_; }
  const NameMatcher& topics() const { return topics_; }
  const Predicate& predicate() const { return predicate_; }
  const Projection& projection() const { return projection_; }

  bool MatchesOp(Op op) const { return (op_mask_ & OpBit(op)) != 0; }

  // The templates declared under `name`, in declaration order; empty when there are none.
  std::span<const Template> Templates(std::string_view name) const;
  // The template names, in order of first declaration.
  std::vector<std::string_view> TemplateNames() const;

  // Whether `event` belongs to this route: a kChange record, an op in the route's set, a topic and
  // a qualified table the route's patterns accept, and a true `when:`. `qualified_table` must be
  // event.QualifiedTable() (passed in so Router computes it once per event, not per route).
  bool Matches(const ChangeEvent& event, std::string_view qualified_table) const;

  static std::uint8_t OpBit(Op op);

 private:
  friend class Router;
  struct TemplateGroup {
    std::string name{};
    std::size_t first = 0;
    std::size_t count = 0;
  };

  std::string name_;
  std::string sink_;
  std::uint8_t op_mask_ = 0;
  NameMatcher tables_;
  NameMatcher topics_;
  Predicate predicate_;
  Projection projection_;
  std::vector<Template> templates_;  // grouped by name
  std::vector<TemplateGroup> template_groups_;
};

class Router {
 public:
  Router() = default;  // no routes: nothing matches
  Router(Router&&) = default;
  Router& operator=(Router&&) = default;
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Compiles the routes. InvalidArgument listing every mistake found ("; "-separated), each
  // naming the route and the field: "route 'customer-cache': when: at character 12: expected
  // ')'", "route 'x': duplicate name (route #1 has it too)", "route #3: name is required".
  static Result<Router> Create(std::vector<RouteSpec> specs);

  // Clears *out, then appends every route `event` matches, in declaration order. Only
  // RecordKind::kChange events ever match. An empty *out means "unmatched": the caller counts
  // the event and finishes it. Reuse one vector per thread so this never allocates.
  void Match(const ChangeEvent& event, std::vector<const CompiledRoute*>* out) const;

  std::span<const CompiledRoute> routes() const { return routes_; }
  // The route named `name`, or nullptr.
  const CompiledRoute* Find(std::string_view name) const;

 private:
  // Fills `route` from `spec`; appends "<field>: <problem>" for each mistake to `errors`.
  static void CompileRoute(const RouteSpec& spec, CompiledRoute* route,
                           std::vector<std::string>* errors);

  std::vector<CompiledRoute> routes_;
  bool any_table_patterns_ = false;  // else the qualified name is never needed
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_ROUTE_ROUTER_H_
