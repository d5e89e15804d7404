#include "operator/dashboard/recorder.hpp"

#include <algorithm>

#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/experiment/experiment_reconciler.hpp"

namespace veer::dashboard {

Recorder::Recorder(kube::Cluster& cluster, base::Clock& clock, History& history, std::string ns,
                   Recorded kind)
    : cluster_(cluster), clock_(clock), history_(history), ns_(std::move(ns)), kind_(kind) {
  thread_ = std::thread([this] { run(); });
}

Recorder::~Recorder() {
  stop();
}

void Recorder::stop() {
  {
    std::lock_guard guard(mutex_);
    stopping_ = true;
    if (stream_) stream_->stop();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Recorder::run() {
  int failures = 0;
  for (;;) {
    const auto outcome = list_and_watch();
    if (outcome == Outcome::Stopping) return;
    failures = outcome == Outcome::Failed ? std::min(failures + 1, 5) : 0;
    // Relist after a pause, in real time so a simulated clock cannot spin this loop: 1 s after a
    // watch ended, doubling up to 32 s while the API refuses (e.g. RBAC), not to flood it.
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, std::chrono::seconds(1 << failures), [this] { return stopping_; }))
      return;
  }
}

void Recorder::observe(const nlohmann::json& object) {
  if (kind_ == Recorded::Canaries)
    history_.observe(object, clock_.now());
  else
    history_.observe_experiment(object, clock_.now());
  ++observed_;
}

Recorder::Outcome Recorder::list_and_watch() {
  const auto type = kind_ == Recorded::Canaries ? controller::canary_type()
                                                : controller::experiment::experiment_type();
  auto list = cluster_.list(type, ns_);
  if (!list) return Outcome::Failed;
  for (const auto& item : list->items) observe(item);
  kube::WatchOptions options;
  options.resource_version = list->resource_version;
  auto stream = cluster_.watch(type, ns_, options);
  if (!stream) return Outcome::Failed;
  {
    std::lock_guard guard(mutex_);
    if (stopping_) return Outcome::Stopping;
    stream_ = stream->get();
  }
  while (auto event = (*stream)->next()) {
    using Type = kube::WatchEvent::Type;
    if (event->type == Type::Added || event->type == Type::Modified) {
      observe(event->object);
    } else if (event->type == Type::Deleted) {
      const auto ns = kube::namespace_of(event->object), name = kube::name_of(event->object);
      if (kind_ == Recorded::Canaries)
        history_.forget(ns, name);
      else
        history_.forget_experiment(ns, name);
    } else if (event->type == Type::Error) {
      break;
    }
  }
  std::lock_guard guard(mutex_);
  stream_ = nullptr;
  return stopping_ ? Outcome::Stopping : Outcome::Ended;
}

}  // namespace veer::dashboard
