// A value or the reason there is none. Routers never throw for bad input: the operator reports
// the message (which names the object and field) on the Canary.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace veer::meshes {

struct RouterError {
  enum class Kind {
    invalid,    // the Canary or an observed object cannot be routed as asked (user must fix)
    not_found,  // an object the router needs is absent from the cluster
    not_ready,  // the router has not accepted the current objects yet (retry later)
  };
  Kind kind = Kind::invalid;
  std::string message;
};

inline RouterError invalid(std::string message) {
  return {RouterError::Kind::invalid, std::move(message)};
}
inline RouterError not_found(std::string message) {
  return {RouterError::Kind::not_found, std::move(message)};
}
inline RouterError not_ready(std::string message) {
  return {RouterError::Kind::not_ready, std::move(message)};
}

template <class T>
class Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}
  Expected(RouterError error) : state_(std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<0>(state_); }
  T& value() & { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const T* operator->() const { return &value(); }
  const T& operator*() const { return value(); }
  const RouterError& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, RouterError> state_;
};

}  // namespace veer::meshes
