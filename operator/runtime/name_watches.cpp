#include "operator/runtime/name_watches.hpp"

namespace veer::runtime {
namespace {

// Object names are DNS subdomains; anything else could not exist, and must not reach a field
// selector (where ',' or '!' would change what it selects).
bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  return true;
}

}  // namespace

NameWatches::NameWatches(kube::Cluster& api, base::Clock& clock, kube::ResourceType type,
                         kube::InformerOptions options, std::size_t cap, Warn warn)
    : api_(api),
      clock_(clock),
      type_(std::move(type)),
      options_(std::move(options)),
      cap_(cap),
      warn_(std::move(warn)) {
  // One object per watch: nothing to page, filter or resync.
  options_.label_selector.clear();
  options_.resync = base::Clock::Duration::zero();
}

NameWatches::~NameWatches() {
  stop();
}

void NameWatches::add_handlers(kube::InformerHandlers handlers) {
  handlers_.push_back(std::move(handlers));
}

void NameWatches::set_referenced(Referenced referenced) {
  referenced_ = std::move(referenced);
}

std::shared_ptr<kube::Informer> NameWatches::find(const std::string& key) const {
  std::lock_guard guard(mutex_);
  auto it = watches_.find(key);
  return it == watches_.end() ? nullptr : it->second;
}

std::shared_ptr<const kube::Informer> NameWatches::hold(const std::string& ns,
                                                        const std::string& name,
                                                        std::chrono::milliseconds timeout) {
  if (ns.empty() || !valid_name(name) || !valid_name(ns)) return nullptr;
  const auto key = kube::key_of(ns, name);
  auto watch = find(key);
  if (!watch) {
    // Outside the lock: the predicate reads other informers.
    if (referenced_ && !referenced_(key)) return nullptr;
    bool full = false;
    {
      std::lock_guard guard(mutex_);
      if (stopped_) return nullptr;
      if (auto it = watches_.find(key); it != watches_.end()) {
        watch = it->second;  // another thread started it meanwhile
      } else if (watches_.size() >= cap_) {
        full = !warned_full_;
        warned_full_ = true;
      } else {
        auto options = options_;
        options.ns = ns;
        options.field_selector = "metadata.name=" + name;
        watch = std::make_shared<kube::Informer>(api_, clock_, type_, options);
        for (const auto& handlers : handlers_) watch->add_handlers(handlers);
        watch->start();
        watches_.emplace(key, watch);
      }
    }
    if (full && warn_) {
      warn_("more than " + std::to_string(cap_) + " " + type_.describe() +
            " are referenced: the others are read from the API server on every use, not watched");
    }
    if (!watch) return nullptr;
  }
  if (watch->has_synced()) return watch;
  // A watch that cannot list (RBAC, the server) leaves reads to the API server until it can.
  if (!watch->last_error().empty()) return nullptr;
  return watch->wait_for_sync(timeout) ? watch : nullptr;
}

std::size_t NameWatches::release_unreferenced() {
  if (!referenced_) return 0;
  std::size_t released = 0;
  for (const auto& key : held()) {
    if (referenced_(key)) continue;
    release(key);
    ++released;
  }
  return released;
}

void NameWatches::release(const std::string& key) {
  std::shared_ptr<kube::Informer> watch;
  {
    std::lock_guard guard(mutex_);
    auto it = watches_.find(key);
    if (it == watches_.end()) return;
    watch = std::move(it->second);
    watches_.erase(it);
  }
  watch->stop();  // outside the lock: it joins the watch's thread
}

std::vector<std::string> NameWatches::held() const {
  std::lock_guard guard(mutex_);
  std::vector<std::string> out;
  for (const auto& [key, watch] : watches_) out.push_back(key);
  return out;
}

std::size_t NameWatches::size() const {
  std::lock_guard guard(mutex_);
  std::size_t out = 0;
  for (const auto& [key, watch] : watches_) out += watch->size();
  return out;
}

bool NameWatches::caught_up(const std::string& resource_version) const {
  std::lock_guard guard(mutex_);
  for (const auto& [key, watch] : watches_) {
    if (!watch->has_synced()) continue;  // serves no reads
    auto order = kube::compare_resource_versions(watch->resource_version(), resource_version);
    if (!order || *order < 0) return false;
  }
  return true;
}

void NameWatches::stop() {
  std::map<std::string, std::shared_ptr<kube::Informer>> watches;
  {
    std::lock_guard guard(mutex_);
    stopped_ = true;
    watches.swap(watches_);
  }
  for (auto& [key, watch] : watches) watch->stop();
}

}  // namespace veer::runtime
