#include "e2e/traffic/tests/support/load_generator.hpp"

#include <algorithm>

#include "http/client.hpp"

namespace veer::e2e::traffic {

LoadGenerator::LoadGenerator(std::string url, int per_second, Marker marker, int clients)
    : url_(std::move(url)),
      period_(std::chrono::microseconds(1'000'000L * clients / per_second)),
      marker_(std::move(marker)) {
  for (int i = 0; i < clients; ++i) threads_.emplace_back([this] { run(); });
}

LoadGenerator::~LoadGenerator() {
  stopping_ = true;
  for (auto& t : threads_) t.join();
}

void LoadGenerator::run() {
  auto next = std::chrono::steady_clock::now();
  while (!stopping_) {
    http::Request request;
    request.url = url_;
    request.timeout = std::chrono::seconds(5);
    const bool marked = marker_.every > 0 && ++sequence_ % marker_.every == 0;
    if (marked) request.headers.emplace_back(marker_.name, marker_.value);
    auto response = http::send(request);
    {
      std::lock_guard lock(mutex_);
      const long status = response ? response->status : 0;
      ++answers_[status];
      if (marked) ++marked_answers_[status];
    }
    // The steady rate; after a slow answer it goes on from now rather than bursting to catch up.
    next = std::max(next + period_, std::chrono::steady_clock::now());
    std::this_thread::sleep_until(next);
  }
}

std::map<long, long> LoadGenerator::answers() const {
  std::lock_guard lock(mutex_);
  return answers_;
}

std::map<long, long> LoadGenerator::marked_answers() const {
  std::lock_guard lock(mutex_);
  return marked_answers_;
}

long LoadGenerator::sent() const {
  long total = 0;
  for (const auto& [status, n] : answers()) total += n;
  return total;
}

std::string to_string(const std::map<long, long>& answers) {
  std::string text;
  for (const auto& [status, n] : answers)
    text += (text.empty() ? "" : ", ") + std::to_string(status) + ": " + std::to_string(n);
  return text.empty() ? "none" : text;
}

}  // namespace veer::e2e::traffic
