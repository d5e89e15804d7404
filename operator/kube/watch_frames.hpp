// The framing of a watch response: newline-delimited JSON, one event per line. Separate from
// the transport so that the fuzz target (fuzz/targets/watch_stream.cpp) runs this very code.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "operator/kube/cluster.hpp"

namespace veer::kube {

// The largest watch event line read: an object in etcd is at most ~1.5 MiB by default (the
// API server's request limit is 3 MiB), so a longer line is a broken or hostile server.
inline constexpr std::size_t kMaxWatchLineBytes = std::size_t{16} << 20;

// Moves each complete, non-empty line at the front of `buffer` (what has arrived of the body)
// to `lines` and leaves the unfinished rest in `buffer`. False when that rest is already longer
// than `max_line`: the stream should be given up.
bool take_lines(std::string& buffer, std::vector<std::string>& lines,
                std::size_t max_line = kMaxWatchLineBytes);

// The event of one line; nothing for a line that is not a JSON object with a known `type` and
// an `object` that is a JSON object (such lines are skipped, as client-go skips what it cannot
// decode).
std::optional<WatchEvent> decode_watch_frame(const std::string& line);

}  // namespace veer::kube
