#include "meshes/result.hpp"

namespace veer::meshes {

base::Error to_error(const RouterError& error) {
  switch (error.kind) {
    case RouterError::Kind::invalid:
      return {base::ErrorKind::invalid, error.message};
    case RouterError::Kind::not_found:
      return {base::ErrorKind::not_found, error.message};
    case RouterError::Kind::not_ready:
      return {base::ErrorKind::unavailable, error.message};
  }
  return {base::ErrorKind::failed, error.message};
}

}  // namespace veer::meshes
