#include "operator/dashboard/recorder.hpp"

#include "operator/controller/canary_reconciler.hpp"

namespace veer::dashboard {

Recorder::Recorder(kube::Cluster& cluster, kube::Clock& clock, History& history, std::string ns)
    : cluster_(cluster), clock_(clock), history_(history), ns_(std::move(ns)) {
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
  while (list_and_watch()) {
    // A watch ended (server timeout, lost connection, an error): relist after a pause, in real
    // time so a simulated clock cannot spin this loop.
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) return;
  }
}

bool Recorder::list_and_watch() {
  const auto type = controller::canary_type();
  auto list = cluster_.list(type, ns_);
  if (!list) return true;
  for (const auto& item : list->items) {
    history_.observe(item, clock_.now());
    ++observed_;
  }
  kube::WatchOptions options;
  options.resource_version = list->resource_version;
  auto stream = cluster_.watch(type, ns_, options);
  if (!stream) return true;
  {
    std::lock_guard guard(mutex_);
    if (stopping_) return false;
    stream_ = stream->get();
  }
  while (auto event = (*stream)->next()) {
    using Type = kube::WatchEvent::Type;
    if (event->type == Type::Added || event->type == Type::Modified) {
      history_.observe(event->object, clock_.now());
      ++observed_;
    } else if (event->type == Type::Deleted) {
      history_.forget(kube::namespace_of(event->object), kube::name_of(event->object));
    } else if (event->type == Type::Error) {
      break;
    }
  }
  std::lock_guard guard(mutex_);
  stream_ = nullptr;
  return !stopping_;
}

}  // namespace veer::dashboard
