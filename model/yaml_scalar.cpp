#include "model/yaml_scalar.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>

namespace veer::model {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// [-+]?[0-9]+
bool is_integer_text(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_float_text(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t exp_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

// The core schema's .inf and .nan spellings.
bool is_special_float(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return s == ".inf" || s == ".Inf" || s == ".INF" || s == ".nan" || s == ".NaN" || s == ".NAN";
}

TypedScalar number(const std::string& text) {
  const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
  const char* end = text.data() + text.size();
  if (is_integer_text(text)) {
    std::int64_t value = 0;
    auto [stop, ec] = std::from_chars(begin, end, value);
    if (ec == std::errc() && stop == end) return {value, ""};
  }
  double value = 0;
  auto [stop, ec] = std::from_chars(begin, end, value);
  if (ec == std::errc() && stop == end) return {value, ""};
  // Out of a double's range: say which way, since 1e-400 would otherwise quietly become 0.
  // strtold has a wider exponent range; it only tells the direction here.
  long double wide = std::strtold(text.c_str(), nullptr);
  bool too_large = wide > 1.0L || wide < -1.0L;
  return {text, too_large ? "the number " + text +
                                " is larger than any number veer can hold (about 1.8e308); "
                                "quote it if a string is meant"
                          : "the number " + text +
                                " is too small to hold and would be read as 0; write 0 if "
                                "that is meant, or quote it if a string is meant"};
}

}  // namespace

TypedScalar type_plain_scalar(const std::string& text) {
  const std::string& s = text;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return {nullptr, ""};
  if (s == "true" || s == "True" || s == "TRUE") return {true, ""};
  if (s == "false" || s == "False" || s == "FALSE") return {false, ""};
  if (is_integer_text(s) || is_float_text(s)) return number(s);
  if (is_special_float(s))
    return {s, s + " is YAML's infinity or not-a-number, which JSON and Kubernetes cannot hold; "
                   "quote it if a string is meant"};
  return {s, ""};
}

}  // namespace veer::model
