#include "operator/kube/leader_election.hpp"

#include "base/time_format.hpp"
#include "operator/kube/error_sink.hpp"

namespace veer::kube {
namespace {

const ResourceType kLease{"coordination.k8s.io", "v1", "leases", "Lease"};

std::int64_t seconds_of(base::Clock::Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

}  // namespace

LeaderElector::LeaderElector(Cluster& cluster, base::Clock& clock, LeaderElectionConfig config)
    : cluster_(cluster), clock_(clock), config_(std::move(config)) {}

bool LeaderElector::is_leader() const {
  std::lock_guard guard(mutex_);
  return leader_;
}

std::string LeaderElector::observed_leader() const {
  std::lock_guard guard(mutex_);
  return observed_leader_;
}

void LeaderElector::stop() {
  std::lock_guard guard(mutex_);
  stopping_ = true;
  cv_.notify_all();
}

bool LeaderElector::wait(base::Clock::Duration d) {
  std::unique_lock lock(mutex_);
  auto deadline = clock_.now() + d;
  clock_.wait_until(lock, cv_, deadline, [this] { return stopping_; });
  return !stopping_;
}

LeaderElector::Attempt LeaderElector::try_acquire_or_renew() {
  auto now = clock_.now();
  Json spec = {{"holderIdentity", config_.identity},
               {"leaseDurationSeconds", seconds_of(config_.lease_duration)},
               {"renewTime", base::format_micro_time(now)}};
  auto current = cluster_.get(ObjectRef{kLease, config_.ns, config_.name});
  if (!current && !current.is(ErrorType::NotFound)) return failed("reading", current.error());
  if (current.is(ErrorType::NotFound)) {
    spec["acquireTime"] = base::format_micro_time(now);
    spec["leaseTransitions"] = 0;
    auto created =
        cluster_.create(Json{{"apiVersion", "coordination.k8s.io/v1"},
                             {"kind", "Lease"},
                             {"metadata", {{"name", config_.name}, {"namespace", config_.ns}}},
                             {"spec", spec}});
    if (!created) return failed("creating", created.error());
    told_.clear();
    std::lock_guard guard(mutex_);
    observed_ = *created;
    observed_at_ = now;
    observed_leader_ = config_.identity;
    return Attempt::Acquired;
  }
  Json lease = *current;
  Json old_spec = lease.value("spec", Json::object());
  std::string holder = old_spec.value("holderIdentity", "");
  bool mine = holder == config_.identity;
  {
    std::lock_guard guard(mutex_);
    // Expiry is judged by when *we* saw the record change, so clock skew between holders
    // does not matter.
    if (observed_.is_null() || observed_.value("spec", Json::object()) != old_spec) {
      observed_ = lease;
      observed_at_ = now;
    }
    observed_leader_ = holder;
    auto duration = std::chrono::seconds(old_spec.value("leaseDurationSeconds", 0));
    if (!holder.empty() && !mine && observed_at_ + duration > now) return Attempt::Held;
  }
  if (mine) {
    spec["acquireTime"] = old_spec.value("acquireTime", base::format_micro_time(now));
    spec["leaseTransitions"] = old_spec.value("leaseTransitions", 0);
  } else {
    spec["acquireTime"] = base::format_micro_time(now);
    spec["leaseTransitions"] = old_spec.value("leaseTransitions", 0) + 1;
  }
  lease["spec"] = spec;
  auto updated = cluster_.update(lease);  // carries resourceVersion: a racing writer gets 409
  if (!updated) return failed("updating", updated.error());
  told_.clear();
  std::lock_guard guard(mutex_);
  observed_ = *updated;
  observed_at_ = now;
  observed_leader_ = config_.identity;
  return Attempt::Acquired;
}

LeaderElector::Attempt LeaderElector::failed(const char* doing, const ApiError& error) {
  // A 409 (Conflict, AlreadyExists) is another candidate winning the race: the next attempt reads
  // again. Anything else (a refused call above all) is told once, until an attempt works again.
  if (error.is(ErrorType::Conflict) || error.is(ErrorType::AlreadyExists)) return Attempt::Failed;
  const auto what =
      std::string(doing) + " the Lease " + config_.ns + "/" + config_.name + " for leader election";
  if (what + error.message == told_) return Attempt::Failed;
  told_ = what + error.message;
  report_error(what, error);
  return Attempt::Failed;
}

void LeaderElector::release() {
  auto current = cluster_.get(ObjectRef{kLease, config_.ns, config_.name});
  if (!current) {
    if (!current.is(ErrorType::NotFound)) failed("reading", current.error());
    return;
  }
  Json lease = *current;
  if (lease.value("spec", Json::object()).value("holderIdentity", "") != config_.identity) return;
  auto now = clock_.now();
  lease["spec"]["holderIdentity"] = "";
  lease["spec"]["leaseDurationSeconds"] = 1;
  lease["spec"]["renewTime"] = base::format_micro_time(now);
  if (auto updated = cluster_.update(lease); !updated) failed("releasing", updated.error());
}

void LeaderElector::run(const LeaderCallbacks& callbacks) {
  std::string last_reported;
  auto report = [&] {
    std::string leader = observed_leader();
    if (leader != last_reported && callbacks.on_new_leader) callbacks.on_new_leader(leader);
    last_reported = leader;
  };
  // Acquire.
  while (true) {
    {
      std::lock_guard guard(mutex_);
      if (stopping_) return;
    }
    auto attempt = try_acquire_or_renew();
    report();
    if (attempt == Attempt::Acquired) break;
    if (!wait(config_.retry_period)) return;
  }
  {
    std::lock_guard guard(mutex_);
    leader_ = true;
  }
  if (callbacks.on_started_leading) callbacks.on_started_leading();
  // Renew; leadership ends when renewals fail for longer than the renew deadline.
  auto last_renew = clock_.now();
  bool stopped = false;
  while (true) {
    if (!wait(config_.retry_period)) {
      stopped = true;
      break;
    }
    auto attempt = try_acquire_or_renew();
    report();
    if (attempt == Attempt::Acquired) {
      last_renew = clock_.now();
      continue;
    }
    if (attempt == Attempt::Held || clock_.now() - last_renew >= config_.renew_deadline) break;
  }
  {
    std::lock_guard guard(mutex_);
    leader_ = false;
  }
  if (callbacks.on_stopped_leading) callbacks.on_stopped_leading();
  if (stopped) release();
}

}  // namespace veer::kube
