// The Transport over libcurl: proxy, TLS verification, a timeout on every call.
// TODO(switch): move onto analysis/http/client.hpp, the project's shared libcurl client, once it
// lands; this file then shrinks to an adapter.
#pragma once

#include "operator/notify/transport.hpp"

namespace veer::notify {

class CurlTransport final : public Transport {
 public:
  HttpReply post(const OutgoingRequest& request, std::chrono::milliseconds timeout) override;
};

}  // namespace veer::notify
