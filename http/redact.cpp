#include "http/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace veer::http {
namespace {

constexpr std::size_t kShortestSecret = 4;
constexpr std::string_view kHidden = "<redacted>";

bool scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

// Where a URL written inside free text ends: at white space, a quote, a bracket or a control.
bool ends_url(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`';
}

// The length of a placeholder such as "<redacted>" or "<token>" at `at`; 0 when there is none.
std::size_t placeholder_at(std::string_view text, std::size_t at) {
  if (text[at] != '<') return 0;
  std::size_t end = at + 1;
  while (end < text.size() && std::islower(static_cast<unsigned char>(text[end]))) ++end;
  return end > at + 1 && end < text.size() && text[end] == '>' ? end + 1 - at : 0;
}

// Query parameter names that carry credentials (api_key, access_token, X-Amz-Signature, ...).
bool credential_name(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array<std::string_view, 10> kWords{
      "token", "key", "secret", "password",   "passwd",
      "pwd",   "sig", "auth",   "credential", "session"};
  return std::any_of(kWords.begin(), kWords.end(),
                     [&](std::string_view w) { return lower.find(w) != std::string::npos; });
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

struct UrlParts {
  std::size_t authority = 0;  // just after "://"
  std::size_t authority_end = 0;
  std::size_t end = 0;  // one past the URL's last character
};

// The URL whose "://" is at `sep` in `text`, or nothing when no scheme precedes it.
bool url_at(std::string_view text, std::size_t sep, UrlParts& parts) {
  if (sep == 0 || !scheme_char(text[sep - 1])) return false;
  parts.authority = sep + 3;
  parts.end = parts.authority;
  while (parts.end < text.size()) {
    if (const auto length = placeholder_at(text, parts.end)) {
      parts.end += length;  // a secret already hidden inside the URL
    } else if (ends_url(text[parts.end])) {
      break;
    } else {
      ++parts.end;
    }
  }
  parts.authority_end = text.find_first_of("/?#", parts.authority);
  if (parts.authority_end == std::string_view::npos || parts.authority_end > parts.end) {
    parts.authority_end = parts.end;
  }
  return true;
}

// Hides the userinfo and credential query values of the URL described by `parts`; returns
// where the (rewritten) URL ends.
std::size_t scrub_url(std::string& text, UrlParts parts) {
  const std::string_view authority(text.data() + parts.authority,
                                   parts.authority_end - parts.authority);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    text.replace(parts.authority, at, kHidden);
    const auto shift =
        static_cast<std::ptrdiff_t>(kHidden.size()) - static_cast<std::ptrdiff_t>(at);
    parts.authority_end =
        static_cast<std::size_t>(static_cast<std::ptrdiff_t>(parts.authority_end) + shift);
    parts.end = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(parts.end) + shift);
  }
  auto query = text.find('?', parts.authority_end);
  if (query == std::string::npos || query >= parts.end) return parts.end;
  auto stop = text.find('#', query);
  if (stop == std::string::npos || stop > parts.end) stop = parts.end;
  for (std::size_t param = query + 1; param < stop;) {
    auto next = text.find('&', param);
    if (next == std::string::npos || next > stop) next = stop;
    const auto eq = text.find('=', param);
    if (eq != std::string::npos && eq < next && next > eq + 1 &&
        credential_name(std::string_view(text).substr(param, eq - param))) {
      const std::size_t old_length = next - eq - 1;
      text.replace(eq + 1, old_length, kHidden);
      const auto grown = kHidden.size() - old_length;  // may wrap: unsigned arithmetic is modular
      next += grown;
      stop += grown;
      parts.end += grown;
    }
    param = next + 1;
  }
  return parts.end;
}

void replace_all(std::string& text, const std::string& value, const std::string& with) {
  if (value.size() < kShortestSecret) return;
  for (auto at = text.find(value); at != std::string::npos; at = text.find(value, at)) {
    text.replace(at, value.size(), with);
    at += with.size();
  }
}

}  // namespace

std::string redact(std::string_view input, const std::vector<Secret>& secrets) {
  std::string text(input);
  std::vector<const Secret*> longest_first;
  for (const auto& s : secrets) longest_first.push_back(&s);
  std::stable_sort(
      longest_first.begin(), longest_first.end(),
      [](const Secret* a, const Secret* b) { return a->value.size() > b->value.size(); });
  for (const Secret* s : longest_first) replace_all(text, s->value, s->shown_as);
  for (auto sep = text.find("://"); sep != std::string::npos; sep = text.find("://", sep)) {
    UrlParts parts;
    sep = url_at(text, sep, parts) ? scrub_url(text, parts) : sep + 3;
  }
  return text;
}

std::vector<Secret> secrets_in_url(std::string_view url) {
  std::vector<Secret> out;
  const auto sep = url.find("://");
  UrlParts parts;
  if (sep == std::string_view::npos || !url_at(url, sep, parts)) return out;
  const auto authority = url.substr(parts.authority, parts.authority_end - parts.authority);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return out;
  const auto userinfo = authority.substr(0, at);
  out.push_back({std::string(userinfo)});
  out.push_back({percent_decode(userinfo)});
  if (const auto colon = userinfo.find(':'); colon != std::string_view::npos) {
    out.push_back({std::string(userinfo.substr(colon + 1))});
    out.push_back({percent_decode(userinfo.substr(colon + 1))});
  }
  return out;
}

}  // namespace veer::http
