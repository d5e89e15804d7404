#include "base/result.hpp"

namespace veer::base {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::failed:
      return "failed";
    case ErrorKind::invalid:
      return "invalid";
    case ErrorKind::not_found:
      return "not found";
    case ErrorKind::conflict:
      return "conflict";
    case ErrorKind::forbidden:
      return "forbidden";
    case ErrorKind::unavailable:
      return "unavailable";
  }
  return "failed";
}

}  // namespace veer::base
