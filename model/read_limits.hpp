// How much veer reads from one user-supplied YAML or JSON source before refusing it. The
// numbers are generous for any real manifest and small enough that a hostile file is refused
// in milliseconds instead of exhausting memory or the stack (docs/cli.md, "Input limits").
#pragma once

#include <cstddef>

namespace veer::model {

struct ReadLimits {
  // Largest file (or standard input) read at all. A `kubectl get -o yaml` of a few thousand
  // objects fits; a single object the API server accepts is at most ~3 MiB.
  std::size_t max_file_bytes = std::size_t{64} << 20;
  // Deepest nesting of mappings and sequences. Kubernetes objects (CRD schemas included) stay
  // far below; yaml-cpp and nlohmann::json recurse once per level.
  int max_depth = 100;
  // Alias uses (`*name`) per document, and the nodes they may add by copying their anchors.
  // Hand-written manifests use a handful; a "billion laughs" needs millions.
  std::size_t max_aliases = 10'000;
  std::size_t max_alias_nodes = 100'000;
};

}  // namespace veer::model
