#include "e2e/controller/tests/support/knative_stand_in.hpp"

#include "operator/controller/simulation.hpp"

namespace veer::e2e {

namespace {

constexpr auto kStandInPoll = std::chrono::milliseconds(100);

}  // namespace

KnativeStandIn::KnativeStandIn(kube::Cluster& cluster, std::string ns)
    : cluster_(cluster), ns_(std::move(ns)), thread_([this] { run(); }) {}

KnativeStandIn::~KnativeStandIn() {
  stopping_ = true;
  thread_.join();
}

void KnativeStandIn::hold(const std::string& revision) {
  std::lock_guard lock(mutex_);
  unready_.insert(revision);
}

void KnativeStandIn::release(const std::string& revision) {
  std::lock_guard lock(mutex_);
  unready_.erase(revision);
}

void KnativeStandIn::run() {
  while (!stopping_) {
    std::set<std::string> unready;
    {
      std::lock_guard lock(mutex_);
      unready = unready_;
    }
    controller::simulation::knative_pass(cluster_, ns_, unready);
    std::this_thread::sleep_for(kStandInPoll);
  }
}

}  // namespace veer::e2e
