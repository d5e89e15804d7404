// Metric queries off the reconcile workers (issue 19): a Canary's analysis runs on one of a
// bounded number of threads, so a slow Prometheus holds no worker and the queries of a fleet due at
// the same moment run at most `concurrency` at a time, in the order they were asked for. The
// reconciler asks `result_for`; while the analysis is queued or running the answer is nullopt and
// the pass writes nothing; when it ends `done(key)` queues the Canary again, and that pass gets the
// result (once, and only for the step it was asked for: controller::analysis_request_id).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "model/canary.hpp"
#include "operator/controller/canary_reconciler.hpp"

namespace veer::runtime {

class AnalysisPool final : public controller::MetricsChecker {
 public:
  // `inner` does the measuring (AnalysisMetricsChecker); `done` is called from a pool thread
  // with the Canary's key ("namespace/name") when its analysis has a result.
  AnalysisPool(controller::MetricsChecker& inner, int concurrency,
               std::function<void(const std::string& key)> done);
  ~AnalysisPool() override;  // stops; analyses in flight finish, their results are dropped
  AnalysisPool(const AnalysisPool&) = delete;
  AnalysisPool& operator=(const AnalysisPool&) = delete;

  // On the caller's thread (the CLI's one-off analyses).
  controller::AnalysisResult analyze(const model::Canary& canary) override;
  std::optional<controller::AnalysisResult> result_for(const model::Canary& canary) override;

  void forget(const std::string& key);  // the Canary is gone: drop what is held for it
  void stop();                          // no new analyses start; joins the threads

  std::size_t queued() const;   // asked for, not started
  std::size_t running() const;  // being measured now
  // Queued or running, or ended and not yet handed to the work queue: a simulation must not
  // move time while this is not 0.
  std::size_t busy() const;

 private:
  enum class State { Queued, Running, Done };
  struct Job {
    controller::AnalysisRequestId request_id;
    model::Canary canary;
    State state = State::Queued;
    bool asked_again = false;  // a newer request came while running: queue it after
    std::optional<controller::AnalysisResult> result;
  };
  void work();
  void enqueue(const std::string& key, Job& job);

  controller::MetricsChecker& inner_;
  std::function<void(const std::string&)> done_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, Job> jobs_;
  std::deque<std::string> order_;  // keys of queued jobs, oldest first
  const std::size_t concurrency_;
  std::size_t idle_ = 0;  // threads waiting for work
  std::size_t queued_ = 0;
  std::size_t running_ = 0;
  std::size_t handing_over_ = 0;  // ended, `done` not yet returned
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace veer::runtime
