// "Did you mean" hints for misspelt field names, flags and subcommands.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace veer::model {

// Levenshtein distance, ignoring ASCII case.
std::size_t edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `word` when it is near enough to be a likely typo (a distance of at
// most max(2, |word|/3), or `word` is a prefix of at least 3 characters), else nothing.
std::optional<std::string> closest_match(const std::string& word,
                                         const std::vector<std::string>& candidates);

}  // namespace veer::model
