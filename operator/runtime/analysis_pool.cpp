#include "operator/runtime/analysis_pool.hpp"

#include <algorithm>
#include <exception>

#include "operator/kube/cluster.hpp"

namespace veer::runtime {

namespace {

// An analysis that threw measured nothing: every metric is NoData, which holds the step and
// never promotes (the checker reports failures as NoData itself; this is the last guard).
controller::AnalysisResult no_data(const model::Canary& canary, const std::string& why) {
  controller::AnalysisResult result;
  if (!canary.spec.analysis) return result;
  for (const auto& metric : canary.spec.analysis->metrics)
    result.metrics.push_back(
        {metric.name, controller::MetricOutcome::NoData, "the analysis failed: " + why, nullptr});
  return result;
}

}  // namespace

AnalysisPool::AnalysisPool(controller::MetricsChecker& inner, int concurrency,
                           std::function<void(const std::string& key)> done)
    : inner_(inner),
      done_(std::move(done)),
      concurrency_(static_cast<std::size_t>(std::max(1, concurrency))) {}

AnalysisPool::~AnalysisPool() {
  stop();
}

void AnalysisPool::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_)  // no thread is added once stopping_ is set
    if (thread.joinable()) thread.join();
}

controller::AnalysisResult AnalysisPool::analyze(const model::Canary& canary) {
  return inner_.analyze(canary);
}

void AnalysisPool::enqueue(const std::string& key, Job& job) {
  job.state = State::Queued;
  job.result.reset();
  ++queued_;
  order_.push_back(key);
  // Threads start as work comes, up to the cap: an operator with few Canaries keeps few.
  if (idle_ == 0 && threads_.size() < concurrency_ && !stopping_)
    threads_.emplace_back([this] { work(); });
  wake_.notify_one();
}

std::optional<controller::AnalysisResult> AnalysisPool::result_for(const model::Canary& canary) {
  const auto key = kube::key_of(canary.metadata.namespace_, canary.metadata.name);
  auto id = controller::analysis_request_id(canary);
  std::lock_guard lock(mutex_);
  auto [it, added] = jobs_.try_emplace(key);
  auto& job = it->second;
  if (!added && job.request_id == id) {
    if (job.state != State::Done) return std::nullopt;  // still queued or running
    auto result = std::move(job.result);
    jobs_.erase(it);
    return result;
  }
  // A first request, or a different step: what was asked before is of no use now.
  job.request_id = std::move(id);
  job.canary = canary;
  switch (job.state) {
    case State::Running:
      job.asked_again = true;  // queued again when the running one ends
      break;
    case State::Queued:
      if (added) enqueue(key, job);  // else: keeps its place, with the new question
      break;
    case State::Done:
      enqueue(key, job);
      break;
  }
  return std::nullopt;
}

void AnalysisPool::work() {
  for (;;) {
    std::string key;
    model::Canary canary;
    controller::AnalysisRequestId request_id;
    {
      std::unique_lock lock(mutex_);
      ++idle_;
      wake_.wait(lock, [&] { return stopping_ || !order_.empty(); });
      --idle_;
      if (stopping_) return;
      key = std::move(order_.front());
      order_.pop_front();
      auto it = jobs_.find(key);
      if (it == jobs_.end() || it->second.state != State::Queued) continue;  // forgotten
      it->second.state = State::Running;
      --queued_;
      canary = it->second.canary;
      request_id = it->second.request_id;
      ++running_;
    }
    controller::AnalysisResult result;
    try {
      result = inner_.analyze(canary);
    } catch (const std::exception& e) {
      result = no_data(canary, e.what());
    } catch (...) {
      result = no_data(canary, "unknown error");
    }
    bool hand_over = false;
    {
      std::lock_guard lock(mutex_);
      --running_;
      auto it = jobs_.find(key);
      if (it == jobs_.end()) continue;  // forgotten while running
      auto& job = it->second;
      if (job.state != State::Running) continue;  // forgotten and asked anew: not this one
      if (job.asked_again || job.request_id != request_id) {
        job.asked_again = false;
        enqueue(key, job);  // the newer question
        continue;
      }
      job.state = State::Done;
      job.result = std::move(result);
      ++handing_over_;
      hand_over = true;
    }
    if (hand_over) {
      done_(key);
      std::lock_guard lock(mutex_);
      --handing_over_;
    }
  }
}

void AnalysisPool::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(key);
  if (it == jobs_.end()) return;
  if (it->second.state == State::Queued) --queued_;
  jobs_.erase(it);  // its key left in `order_` is skipped when taken
}

std::size_t AnalysisPool::queued() const {
  std::lock_guard lock(mutex_);
  return queued_;
}

std::size_t AnalysisPool::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

std::size_t AnalysisPool::busy() const {
  std::lock_guard lock(mutex_);
  return queued_ + running_ + handing_over_;
}

}  // namespace veer::runtime
