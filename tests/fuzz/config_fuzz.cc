// libFuzzer target for the YAML configuration loader (config/loader.cc, yaml_reader.cc,
// spec_validator.cc, extract.cc, env_substitution.cc): any text through LoadConfigText, the
// entry point of `fanout validate` and `fanout run` (app/load_config.cc; the librdkafka property
// check that follows it there is librdkafka's, and not fuzzed). Build and run:
// tests/fuzz/README.md.
//
// Input: the YAML text. ${NAME} references resolve to kSecret, except names starting with 'U',
// which are unset (so both a value and the "not set" error are reachable).
//
// Aborts (or crashes: an exception escaping the loader terminates) when
//   - an error has an empty message or a location outside the text (line 0 is allowed only for
//     whole-file errors, i.e. an empty path);
//   - a substituted value reaches an error message about a sink setting or a Kafka property
//     (loader.h: "setting values are never copied into error messages");
//   - a config the loader accepts has routes the Router then rejects (`fanout validate` would
//     say OK and `fanout run` fail).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/loader.h"
#include "processor/route/router.h"
#include "sinks/elasticsearch/spec.h"
#include "sinks/http/spec.h"
#include "sinks/kafka/spec.h"
#include "sinks/postgres/spec.h"
#include "sinks/redis/spec.h"

namespace {

constexpr std::string_view kSecret = "Zq9-SECRET-value";

void Check(bool ok) {
  if (!ok) std::abort();
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::optional<std::string> FakeEnvironment(std::string_view name) {
  if (!name.empty() && name.front() == 'U') return std::nullopt;
  return std::string(kSecret);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  // The built-in sink types' specs, without their sinks (sinks/builtin.cc links those).
  static const fanout::config::SinkTypes sink_types = {
      &fanout::RedisSinkType(), &fanout::ElasticsearchSinkType(), &fanout::PostgresSinkType(),
      &fanout::KafkaSinkType(), &fanout::HttpSinkType()};
  const fanout::config::LoadResult result =
      fanout::config::LoadConfigText(yaml, "fuzz.yaml", sink_types, FakeEnvironment);

  const bool secret_in_text = yaml.find(kSecret) != std::string_view::npos;
  const int lines = 1 + static_cast<int>(std::count(yaml.begin(), yaml.end(), '\n'));
  for (const fanout::config::ConfigError& error : result.errors) {
    Check(!error.message.empty());
    Check(error.location.file == "fuzz.yaml");
    Check(error.location.line >= 0 && error.location.line <= lines + 1);
    Check(error.location.column >= 0);
    if (!secret_in_text && (StartsWith(error.path, "sinks.") || StartsWith(error.path, "kafka."))) {
      Check(error.message.find(kSecret) == std::string::npos);
    }
  }
  if (!result.ok()) return 0;

  std::vector<fanout::RouteSpec> specs;
  for (const fanout::config::RouteConfig& route : result.config.routes) specs.push_back(route.spec);
  fanout::Result<fanout::Router> router = fanout::Router::Create(std::move(specs));
  Check(router.ok());
  return 0;
}
