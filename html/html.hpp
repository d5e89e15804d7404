// HTML text for the dashboard and the experiment report: every value that comes from a document
// (names, messages, queries, evidence) goes through `escape` before it is written into a page.
#pragma once

#include <string>
#include <string_view>

namespace veer::html {

// Escapes & < > " ' so the text is inert in element content and in quoted attributes. Bytes
// that are not valid UTF-8 become U+FFFD, so a page is always valid text.
std::string escape(std::string_view text);

// A number for a page or an SVG coordinate: up to `digits` significant digits, no exponent for
// ordinary sizes, "-" for NaN or infinity.
std::string number(double value, int digits = 4);

// Decodes an application/x-www-form-urlencoded value ("a+b%21" -> "a b!").
std::string form_decode(std::string_view text);
// The value of `name` in a form body or query string; "" when absent.
std::string form_field(std::string_view form, std::string_view name);

}  // namespace veer::html
