// An API server stand-in for the scale bench: the in-memory cluster (MemoryCluster) behind a
// small HTTP/1.1 front on 127.0.0.1, speaking the REST paths, discovery, errors as Status and
// watches (chunked, one JSON event a line) that RestCluster uses. It runs in its own process so
// the operator's RSS is its own. Two knobs make it a loaded server: a latency added to every
// answer, and a server-side rate limit that answers 429 with Retry-After, as kube-apiserver's
// max-inflight and priority-and-fairness limits do. Not a conformant API server: no TLS, no
// auth, no field validation beyond MemoryCluster's.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "operator/kube/memory_cluster.hpp"

namespace veer::bench {

struct StandInSettings {
  std::chrono::milliseconds latency{0};  // before every answer (not between watch events)
  double max_qps = 0;                    // non-watch requests a second; 0 = no limit
  int burst = 1;                         // what the limit lets through at once
  // Prometheus's instant-query API (/api/v1/query) on the same port: every query answers one
  // sample of 99.9 (a passing success rate) after this long; outside the API's rate limit.
  std::chrono::milliseconds query_latency{0};
};

struct StandInReply {
  int status = 200;
  std::string body;  // JSON
};

class ApiStandIn {
 public:
  // `extra` answers paths under /bench/ (the bench's own controls); may be empty.
  using Extra = std::function<StandInReply(const std::string& method, const std::string& path)>;

  ApiStandIn(kube::MemoryCluster& cluster, StandInSettings settings, Extra extra = {});
  ~ApiStandIn();
  ApiStandIn(const ApiStandIn&) = delete;
  ApiStandIn& operator=(const ApiStandIn&) = delete;

  int port() const { return port_; }
  // Requests answered so far by verb ("get", "list", "watch", "create", "update", "patch",
  // "delete", "discovery"), "throttled" for 429s and "query" for Prometheus queries.
  std::map<std::string, long> counts() const;

 private:
  struct Request;
  void accept_loop();
  void serve(int fd);
  bool take_token();
  void count(const std::string& verb);
  StandInReply answer(const Request& request);
  StandInReply answer_query();
  void stream_watch(int fd, const Request& request);

  kube::MemoryCluster& cluster_;
  StandInSettings settings_;
  Extra extra_;
  int listen_fd_ = -1;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, long> counts_;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refilled_;
  std::atomic<bool> stopping_{false};
};

}  // namespace veer::bench
