#include "model/kind_header.hpp"

#include "model/field_reader.hpp"

namespace veer::model {

void read_kind_header(FieldReader& root, const std::string& kind, bool accept_flagger) {
  auto api_version = root.string("apiVersion");
  if (api_version.empty())
    root.error("apiVersion", std::string("is required: ") + kApiVersion);
  else if (api_version != kApiVersion && !(accept_flagger && api_version == kFlaggerApiVersion))
    root.error("apiVersion",
               "unsupported version \"" + api_version + "\": use " + kApiVersion +
                   (api_version == kFlaggerApiVersion ? " (veer convert rewrites Flagger documents)"
                                                      : ""));
  auto actual = root.string("kind");
  if (actual != kind) root.error("kind", "must be " + kind + ", got \"" + actual + "\"");
}

}  // namespace veer::model
