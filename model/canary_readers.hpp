// Readers for Canary sub-objects that the Experiment kind reuses.
#pragma once

#include "model/canary.hpp"

namespace veer::model {

class FieldReader;

ServiceSpec read_service(FieldReader& reader);
CanaryAlert read_alert(FieldReader& reader);
CanaryWebhook read_webhook(FieldReader& reader);

}  // namespace veer::model
