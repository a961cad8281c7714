// "Did you mean": the known name nearest to a misspelt one, for unknown-key errors.
#ifndef FANOUT_CONFIG_SUGGEST_H_
#define FANOUT_CONFIG_SUGGEST_H_

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace fanout::config {

// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`
// (optimal string alignment distance).
std::size_t EditDistance(std::string_view a, std::string_view b);

// The candidate nearest to `name`, when it is close: at most 2 edits, and fewer than half of
// `name`'s length (so that "ab" does not suggest "xy"). On a tie, the first candidate.
std::optional<std::string_view> NearestName(std::string_view name,
                                            const std::vector<std::string_view>& candidates);

}  // namespace fanout::config

#endif  // FANOUT_CONFIG_SUGGEST_H_
