#include "e2e/traffic/tests/support/load_generator.hpp"

#include <algorithm>

#include "http/client.hpp"

namespace veer::e2e::traffic {

LoadGenerator::LoadGenerator(std::string url, int per_second, int clients)
    : url_(std::move(url)), period_(std::chrono::microseconds(1'000'000L * clients / per_second)) {
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
    auto response = http::send(request);
    {
      std::lock_guard lock(mutex_);
      ++answers_[response ? response->status : 0];
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
