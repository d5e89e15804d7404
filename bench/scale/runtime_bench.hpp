// bench_scale --runtime N: a fleet of N Canaries through the runtime Manager (runtime_bench.cpp).
#pragma once

namespace veer::bench {

// Prints the numbers; 0, or 1 when the fleet did not reach its phases.
int run_runtime_bench(int n);

}  // namespace veer::bench
