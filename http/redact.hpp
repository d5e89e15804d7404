// The one redaction of secrets in text that veer prints, logs or returns as an error: the values
// the caller knows to be secret (tokens, passwords, webhook URLs), and, in any URL inside the
// text, its userinfo and the values of query parameters whose names say they are credentials.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace veer::http {

struct Secret {
  std::string value;
  std::string shown_as = "<redacted>";
};

// Replaces every secret (longest first; values shorter than 4 characters are ignored, replacing
// them would garble the text without hiding anything) and every URL's userinfo
// ("https://<redacted>@host") and credential-like query values ("?api_key=<redacted>").
std::string redact(std::string_view text, const std::vector<Secret>& secrets = {});

// The secrets a URL carries in itself: its userinfo, raw and percent-decoded.
std::vector<Secret> secrets_in_url(std::string_view url);

}  // namespace veer::http
