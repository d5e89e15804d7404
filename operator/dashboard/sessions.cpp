#include "operator/dashboard/sessions.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace veer::dashboard {
namespace {

constexpr std::size_t kMaxSessions = 10000;

std::string hex(const unsigned char* data, std::size_t size) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 15];
  }
  return out;
}

}  // namespace

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  auto* data = reinterpret_cast<unsigned char*>(raw.data());
  if (RAND_bytes(data, static_cast<int>(bytes)) != 1)
    throw std::runtime_error("no random bytes from OpenSSL");
  return hex(data, bytes);
}

Sessions::Sessions(base::Clock& clock, base::Clock::Duration lifetime)
    : clock_(clock), lifetime_(lifetime), key_(random_hex(32)) {}

std::string Sessions::start(const std::string& token) {
  auto id = random_hex(24);
  const auto now = clock_.now();
  std::lock_guard guard(mutex_);
  if (sessions_.size() >= kMaxSessions) {
    for (auto it = sessions_.begin(); it != sessions_.end();)
      it = it->second.second <= now ? sessions_.erase(it) : std::next(it);
    if (sessions_.size() >= kMaxSessions) sessions_.erase(sessions_.begin());
  }
  sessions_[id] = {token, now + lifetime_};
  return id;
}

std::optional<std::string> Sessions::token_of(const std::string& id) {
  std::lock_guard guard(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.second <= clock_.now()) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second.first;
}

void Sessions::end(const std::string& id) {
  std::lock_guard guard(mutex_);
  sessions_.erase(id);
}

std::string Sessions::csrf_of(const std::string& id) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(id.data()), id.size(), mac, &size);
  return hex(mac, size);
}

bool Sessions::csrf_matches(const std::string& id, const std::string& value) const {
  const auto expected = csrf_of(id);
  return value.size() == expected.size() &&
         CRYPTO_memcmp(value.data(), expected.data(), value.size()) == 0;
}

}  // namespace veer::dashboard
