// The text of examples/experiment/abn-thompson.yaml, compiled in (operator/CMakeLists.txt) so
// `veer demo --experiment` runs the example as published, wherever the binary is.
#pragma once

#include <string_view>

namespace veer::cli {

std::string_view abn_thompson_example();

}  // namespace veer::cli
