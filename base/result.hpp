// The one result type of fallible operations: a value or an error, never an exception, an empty
// string or a sentinel. Each part reports its errors with a kind, so a caller tells not-found from
// conflict from unavailable without reading the words: `base::Error` here (the HTTP client, the
// statistics, parsers), `kube::ApiError` (the Kubernetes API's Status), `meshes::RouterError`.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace veer::base {

enum class ErrorKind {
  failed,       // none of the below
  invalid,      // the input or an answer is malformed or refused as such: the same call fails again
  not_found,    // what was asked for does not exist
  conflict,     // someone changed it meanwhile (or it exists already): read again, then retry
  forbidden,    // not allowed (credentials, RBAC, the outbound policy): a person must change that
  unavailable,  // no answer, a timeout, or the server said "later" (5xx, 429): a retry may work
};

const char* to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::failed;
  std::string message;  // one line naming the object, field or URL, and what to do
  bool is(ErrorKind k) const { return kind == k; }
};

inline Error fail(std::string message) {
  return Error{ErrorKind::failed, std::move(message)};
}
inline Error fail(ErrorKind kind, std::string message) {
  return Error{kind, std::move(message)};
}

// A value of T or an error of E (E has `is(kind)`); T and E must differ.
template <class T, class E = Error>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<0>(state_); }
  T& value() & { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::get<0>(std::move(state_)); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const E& error() const { return std::get<1>(state_); }
  // Failed, with this kind.
  template <class Kind>
  bool is(Kind kind) const {
    return !ok() && error().is(kind);
  }

 private:
  std::variant<T, E> state_;
};

// The value of an operation that returns nothing but may fail.
struct Empty {};

template <class T>
using Outcome = Result<T, Error>;
using Status = Result<Empty, Error>;

}  // namespace veer::base
