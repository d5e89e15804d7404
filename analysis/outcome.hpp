// The statistics and the metric providers report failures from outside (bad data, an unreachable
// server) with the project's result type, never as a crash or a silent number.
#pragma once

#include "base/result.hpp"

namespace veer::analysis {

using base::Error;
using base::fail;
using base::Outcome;

}  // namespace veer::analysis
