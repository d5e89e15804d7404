// The bearer token of a ClientConfig: a fixed token, a token file re-read when it changes
// (rotated service-account tokens), or an exec credential plugin run again when its token
// expires or the server rejects it.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

#include "base/clock.hpp"
#include "operator/kube/kubeconfig.hpp"

namespace veer::kube {

class TokenSource {
 public:
  TokenSource(const ClientConfig& config, base::Clock& clock);
  // "" when the config has no token (client certificates, or none).
  Result<std::string> token();
  // After a 401: forget a cached exec token so the next call runs the plugin again.
  void invalidate();

 private:
  Result<std::string> run_exec();

  ClientConfig config_;
  base::Clock& clock_;
  std::mutex mutex_;
  std::string cached_;
  std::optional<base::Clock::TimePoint> expires_;
  std::filesystem::file_time_type file_time_{};
};

}  // namespace veer::kube
