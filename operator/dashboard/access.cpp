#include "operator/dashboard/access.hpp"

#include <openssl/crypto.h>

namespace veer::dashboard {

namespace {
constexpr std::size_t kMaxCached = 4096;  // a flood of bad tokens must not grow memory
constexpr const char* kSharedTokenUser = "dashboard-token";
}  // namespace

Access::Access(base::Clock& clock, std::string shared_token, Reviews* reviews,
               base::Clock::Duration cache_for)
    : clock_(clock),
      shared_token_(std::move(shared_token)),
      reviews_(reviews),
      cache_for_(cache_for) {}

kube::Result<std::optional<Principal>> Access::authenticate(const std::string& token) {
  if (token.empty()) return std::optional<Principal>{};
  if (!shared_token_.empty() && token.size() == shared_token_.size() &&
      CRYPTO_memcmp(token.data(), shared_token_.data(), token.size()) == 0)
    return std::optional<Principal>{Principal{{kSharedTokenUser, "", {}}, true}};
  if (!reviews_) return std::optional<Principal>{};
  const auto now = clock_.now();
  {
    std::lock_guard guard(mutex_);
    auto it = tokens_.find(token);
    if (it != tokens_.end() && it->second.second > now) return it->second.first;
  }
  auto reviewed = reviews_->review_token(token);
  if (!reviewed) return reviewed.error();
  std::optional<Principal> who;
  if (*reviewed) who = Principal{**reviewed, false};
  std::lock_guard guard(mutex_);
  if (tokens_.size() >= kMaxCached) tokens_.clear();
  tokens_[token] = {who, now + cache_for_};
  return who;
}

kube::Result<bool> Access::allowed(const Principal& who, const AccessQuestion& question) {
  if (who.every_namespace) return true;
  if (!reviews_) return false;
  const auto now = clock_.now();
  const auto key = std::make_tuple(who.user.name, question.ns, question.verb, question.resource);
  {
    std::lock_guard guard(mutex_);
    auto it = answers_.find(key);
    if (it != answers_.end() && it->second.second > now) return it->second.first;
  }
  auto answer = reviews_->review_access(who.user, question);
  if (!answer) return answer.error();
  std::lock_guard guard(mutex_);
  if (answers_.size() >= kMaxCached) answers_.clear();
  answers_[key] = {*answer, now + cache_for_};
  return *answer;
}

}  // namespace veer::dashboard
