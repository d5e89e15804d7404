// Text that came from a document or a server, made safe for a terminal or a log line: control
// characters cannot move the cursor, recolour the screen or start a new line that looks like
// veer's own output (a forged "file:line: ..."), and bidi overrides cannot reorder what is shown.
#pragma once

#include <string>
#include <string_view>

namespace veer::http {

// Escapes C0 controls and DEL (\n, \r, \t, \x1b, ...), C1 controls and the Unicode format
// characters that reorder or split lines (bidi embeddings, overrides and isolates, LRM/RLM/ALM,
// U+2028/U+2029) as \uXXXX, and each byte of invalid UTF-8 as \xNN. Everything else, backslashes
// and ordinary non-ASCII letters included, is unchanged.
std::string printable(std::string_view text);

// The first `max_bytes` of a server's answer for an error message, printable, with "..." when
// cut.
std::string printable_excerpt(std::string_view text, std::size_t max_bytes = 200);

}  // namespace veer::http
