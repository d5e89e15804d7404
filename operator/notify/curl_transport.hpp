// The Transport over the project's libcurl client (http/client.hpp): proxy, TLS
// verification, a timeout on every call.
#pragma once

#include "operator/notify/transport.hpp"

namespace veer::notify {

class CurlTransport final : public Transport {
 public:
  HttpReply post(const OutgoingRequest& request, std::chrono::milliseconds timeout) override;
};

}  // namespace veer::notify
