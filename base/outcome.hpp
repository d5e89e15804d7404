// A value or an error message: how veer reports failures that come from outside (bad data,
// an unreachable server), so that no such failure is ever a crash or a silent number.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace veer::base {

struct Error {
  std::string message;
};

template <class T>
class Outcome {
 public:
  Outcome(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Outcome(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T* operator->() const { return &std::get<T>(state_); }
  const T& operator*() const { return std::get<T>(state_); }
  const std::string& error() const { return std::get<Error>(state_).message; }

 private:
  std::variant<T, Error> state_;
};

inline Error fail(std::string message) {
  return Error{std::move(message)};
}

}  // namespace veer::base
