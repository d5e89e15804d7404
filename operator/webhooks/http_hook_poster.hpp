// HookPoster over the project's HTTP client (http/client.hpp).
#pragma once

#include "operator/webhooks/hook_poster.hpp"

namespace veer::webhooks {

class HttpHookPoster final : public HookPoster {
 public:
  HookReply post(const HookCall& call) override;
};

}  // namespace veer::webhooks
