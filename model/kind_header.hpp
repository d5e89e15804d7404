// apiVersion and kind, shared by the parse functions of every kind.
#pragma once

#include <string>

namespace veer::model {

class FieldReader;

inline constexpr const char* kApiGroup = "veer.dev";
inline constexpr const char* kApiVersion = "veer.dev/v1beta1";
inline constexpr const char* kFlaggerApiVersion = "flagger.app/v1beta1";

// Checks that apiVersion is veer.dev/v1beta1 (or flagger.app/v1beta1 when `accept_flagger`)
// and kind is `kind`, reporting problems on the reader.
void read_kind_header(FieldReader& root, const std::string& kind, bool accept_flagger = false);

}  // namespace veer::model
