// Load-time checks of the expressions a config may contain, using the same compilers the
// router runs with, so what validates is what runs. Each returns OK or InvalidArgument; on a
// syntax error `*error_offset` (when given) receives the 0-based byte offset inside the text.
// Internal to config/.
#ifndef FANOUT_CONFIG_EXPRESSION_CHECKS_H_
#define FANOUT_CONFIG_EXPRESSION_CHECKS_H_

#include <cstddef>
#include <optional>
#include <string_view>

#include "processor/core/status.h"

namespace fanout::config {

// A topic subscription for librdkafka: a name, or `^regex` (librdkafka's own regex engine; we
// check it with std::regex, which accepts the common syntax).
Status CheckSubscription(std::string_view text);
// A route's table or topic pattern: exact name, glob, or `^regex` (processor/route's engine).
Status CheckPattern(std::string_view text);
Status CheckTablePattern(std::string_view text);
Status CheckTemplate(std::string_view text, std::optional<std::size_t>* error_offset);
Status CheckPredicate(std::string_view text, std::optional<std::size_t>* error_offset);
Status CheckOp(std::string_view text);

}  // namespace fanout::config

#endif  // FANOUT_CONFIG_EXPRESSION_CHECKS_H_
