// Substring check for messages in tests: "does the error name the URL, the query, the line?"
#pragma once

#include "testing/text.hpp"

namespace veer::analysis::testdata {

using veer::testing::contains;

}  // namespace veer::analysis::testdata
