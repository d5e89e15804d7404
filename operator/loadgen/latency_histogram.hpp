// Request latencies in logarithmic buckets: 32 buckets per doubling from 1 µs (each about 2.2%
// wide) up to about 134 s, so percentiles are known to within one bucket whatever the scale and the
// memory stays fixed however long a run lasts.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace veer::loadgen {

class LatencyHistogram {
 public:
  static constexpr int kPerDoubling = 32;
  static constexpr int kDoublings = 27;  // 1 µs .. 2^27 µs (134 s)

  LatencyHistogram();

  void record(std::chrono::nanoseconds latency);
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  double mean_ms() const;
  double min_ms() const { return count_ ? min_ms_ : 0; }
  double max_ms() const { return count_ ? max_ms_ : 0; }

  // Where the k-th smallest recorded latency (1-based, k <= count()) lies: [low_ms, high_ms).
  struct Range {
    double low_ms = 0;
    double high_ms = 0;
  };
  Range rank_range(std::uint64_t k) const;
  // The q-quantile (0 < q <= 1) as the upper edge of the bucket holding rank ceil(q·n): at most
  // one bucket (2.2%) above the true sample quantile, never below it. 0 when empty.
  double quantile_ms(double q) const;

  struct Bucket {
    double low_ms = 0;
    double high_ms = 0;
    std::uint64_t count = 0;
  };
  // Buckets `merge_factor` times coarser than the recorded ones, from the first to the last
  // non-empty one (for charts); the under- and overflow buckets are the first and last edges.
  std::vector<Bucket> buckets(int merge_factor = 8) const;

 private:
  static int index_of(double microseconds);
  static Range range_of(int index);

  std::vector<std::uint64_t> counts_;  // [0]: below 1 µs, [last]: at or above the top
  std::uint64_t count_ = 0;
  double sum_ms_ = 0;
  double min_ms_ = 0;
  double max_ms_ = 0;
};

}  // namespace veer::loadgen
