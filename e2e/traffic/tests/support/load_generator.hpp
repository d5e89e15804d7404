// A load generator (threads of the test) sending steady GET requests through nginx: `clients`
// threads, each one request after the other at its share of the rate (so one slow answer does
// not stall the rest), counting the answers by status (0: no HTTP answer at all). For A/B tests
// every n-th request can carry a marker header (an insider's `x-canary: insider`, or a cookie);
// those answers are counted apart too.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace veer::e2e::traffic {

// Every `every`-th request (0: none) carries the header `name: value`.
struct Marker {
  std::string name;
  std::string value;
  int every = 0;
};

inline constexpr int kDefaultClients = 4;

// With sessions (session affinity): request n is session n % count's, which keeps the cookies its
// answers set (a Set-Cookie of Max-Age 0 or less removes one) and sends them back, as a browser
// does. Each session's requests are recorded in order.
struct SessionRequest {
  std::chrono::steady_clock::time_point at;  // when it was sent
  std::string cookies;                       // the Cookie header it sent ("" for none)
  std::string served_by;                     // the app that answered (its body's first word)
  std::string set_cookie;                    // the Set-Cookie of its answer ("" for none)
  long status = 0;
};

class LoadGenerator {
 public:
  LoadGenerator(std::string url, int per_second, Marker marker = {}, int clients = kDefaultClients,
                int sessions = 0);
  ~LoadGenerator();
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  // Answers so far by HTTP status.
  std::map<long, long> answers() const;
  // Of those, the answers to marked requests.
  std::map<long, long> marked_answers() const;
  long sent() const;
  // With sessions: each session's requests, oldest first.
  std::vector<std::vector<SessionRequest>> sessions() const;

 private:
  void run();

  std::string url_;
  std::chrono::microseconds period_;
  Marker marker_;
  std::atomic<long> sequence_{0};
  mutable std::mutex mutex_;
  std::map<long, long> answers_;
  std::map<long, long> marked_answers_;
  std::vector<std::map<std::string, std::string>> jars_;  // by session: cookie name -> value
  std::vector<std::vector<SessionRequest>> sessions_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

// "200: 1200, 500: 30".
std::string to_string(const std::map<long, long>& answers);

}  // namespace veer::e2e::traffic
