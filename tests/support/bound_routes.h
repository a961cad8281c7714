// BoundRoutes: routes bound to a sink for a sink's integration tests, kept alive for as long as
// the action builders that point into them (a builder refers to its route and options).
#ifndef FANOUT_TESTS_SUPPORT_BOUND_ROUTES_H_
#define FANOUT_TESTS_SUPPORT_BOUND_ROUTES_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "processor/route/router.h"
#include "sinks/sink.h"

namespace fanout::testing {

class BoundRoutes {
 public:
  using Settings = std::vector<std::pair<std::string, std::string>>;

  // Binds `spec` (one route) to `sink` with the route's sink options; a failure is a test
  // failure (and then a crash on the null builder, as the test cannot go on).
  const ActionBuilder& Bind(Sink& sink, RouteSpec spec, Settings options) {
    routers_.push_back(std::make_unique<Router>(Router::Create({std::move(spec)}).value()));
    options_.push_back(std::make_unique<Settings>(std::move(options)));
    Result<std::unique_ptr<ActionBuilder>> builder =
        sink.Bind({&routers_.back()->routes().front(), options_.back().get()});
    EXPECT_TRUE(builder.ok()) << builder.status().ToString();
    builders_.push_back(std::move(builder).value());
    return *builders_.back();
  }
  std::size_t size() const { return routers_.size(); }

 private:
  std::vector<std::unique_ptr<Router>> routers_;
  std::vector<std::unique_ptr<Settings>> options_;
  std::vector<std::unique_ptr<ActionBuilder>> builders_;
};

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_SUPPORT_BOUND_ROUTES_H_
