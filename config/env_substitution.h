// ${ENV} references in config values: `${NAME}`, `${NAME:-default}`, and `$$` for a literal `$`.
#ifndef FANOUT_CONFIG_ENV_SUBSTITUTION_H_
#define FANOUT_CONFIG_ENV_SUBSTITUTION_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "processor/core/status.h"

namespace fanout::config {

// Looks a variable up; nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment.
EnvLookup ProcessEnvironment();

// Replaces every reference in `text`. Errors (InvalidArgument) name the variable, never its
// value: an unset variable without a default, or a malformed reference.
Result<std::string> SubstituteEnv(std::string_view text, const EnvLookup& lookup);

}  // namespace fanout::config

#endif  // FANOUT_CONFIG_ENV_SUBSTITUTION_H_
