// A value or the reason there is none. Routers never throw for bad input: the operator reports
// the message (which names the object and field) on the Canary.
#pragma once

#include <string>
#include <utility>

#include "base/result.hpp"

namespace veer::meshes {

struct RouterError {
  enum class Kind {
    invalid,    // the Canary or an observed object cannot be routed as asked (user must fix)
    not_found,  // an object the router needs is absent from the cluster
    not_ready,  // the router has not accepted the current objects yet (retry later)
  };
  Kind kind = Kind::invalid;
  std::string message;
  bool is(Kind k) const { return kind == k; }
};

// The same error as the project's general one, for code that reports a router's and other
// failures together: invalid (the user must fix it), not_found, or unavailable (not ready yet).
base::Error to_error(const RouterError& error);

inline RouterError invalid(std::string message) {
  return {RouterError::Kind::invalid, std::move(message)};
}
inline RouterError not_found(std::string message) {
  return {RouterError::Kind::not_found, std::move(message)};
}
inline RouterError not_ready(std::string message) {
  return {RouterError::Kind::not_ready, std::move(message)};
}

// A value or a RouterError (base/result.hpp).
template <class T>
using Expected = base::Result<T, RouterError>;

}  // namespace veer::meshes
