#include "operator/loadgen/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace veer::loadgen {

namespace {
constexpr int kRecorded = LatencyHistogram::kPerDoubling * LatencyHistogram::kDoublings;
}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kRecorded + 2, 0) {}

int LatencyHistogram::index_of(double microseconds) {
  if (!(microseconds >= 1)) return 0;
  const double position = std::floor(std::log2(microseconds) * kPerDoubling);
  return 1 + static_cast<int>(std::min(position, static_cast<double>(kRecorded)));
}

LatencyHistogram::Range LatencyHistogram::range_of(int index) {
  auto edge_ms = [](int i) { return std::exp2(static_cast<double>(i) / kPerDoubling) / 1000.0; };
  if (index == 0) return {0, edge_ms(0)};
  if (index > kRecorded) return {edge_ms(kRecorded), HUGE_VAL};
  return {edge_ms(index - 1), edge_ms(index)};
}

void LatencyHistogram::record(std::chrono::nanoseconds latency) {
  const double ms = static_cast<double>(latency.count()) / 1e6;
  ++counts_[static_cast<std::size_t>(index_of(ms * 1000))];
  min_ms_ = count_ == 0 ? ms : std::min(min_ms_, ms);
  max_ms_ = count_ == 0 ? ms : std::max(max_ms_, ms);
  ++count_;
  sum_ms_ += ms;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ms_ = count_ == 0 ? other.min_ms_ : std::min(min_ms_, other.min_ms_);
  max_ms_ = count_ == 0 ? other.max_ms_ : std::max(max_ms_, other.max_ms_);
  count_ += other.count_;
  sum_ms_ += other.sum_ms_;
}

double LatencyHistogram::mean_ms() const {
  return count_ ? sum_ms_ / static_cast<double>(count_) : 0;
}

LatencyHistogram::Range LatencyHistogram::rank_range(std::uint64_t k) const {
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= k && counts_[i] > 0) {
      auto range = range_of(static_cast<int>(i));
      // The smallest and largest latencies are known exactly: a bucket never reaches past them.
      range.low_ms = std::max(range.low_ms, min_ms_);
      range.high_ms = std::min(range.high_ms, max_ms_);
      return range;
    }
  }
  return {max_ms(), max_ms()};
}

double LatencyHistogram::quantile_ms(double q) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  return rank_range(std::clamp<std::uint64_t>(rank, 1, count_)).high_ms;
}

std::vector<LatencyHistogram::Bucket> LatencyHistogram::buckets(int merge_factor) const {
  std::vector<Bucket> out;
  if (count_ == 0) return out;
  const auto factor = static_cast<std::size_t>(std::max(1, merge_factor));
  std::size_t first = 0, last = counts_.size() - 1;
  while (counts_[first] == 0) ++first;
  while (counts_[last] == 0) --last;
  // Groups aligned to the factor so the same latency always lands in the same group.
  const std::size_t start = first == 0 ? 0 : 1 + (first - 1) / factor * factor;
  for (std::size_t i = start; i <= last;) {
    const std::size_t end =
        i == 0 ? 1 : std::min(last + 1, std::max(i + 1, 1 + ((i - 1) / factor + 1) * factor));
    Bucket b{range_of(static_cast<int>(i)).low_ms, range_of(static_cast<int>(end - 1)).high_ms, 0};
    for (std::size_t j = i; j < end; ++j) b.count += counts_[j];
    out.push_back(b);
    i = end;
  }
  return out;
}

}  // namespace veer::loadgen
