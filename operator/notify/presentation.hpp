// What every provider shows the same way: the colour of a notification and the evidence table.
#pragma once

#include <string>
#include <vector>

#include "operator/notify/notification.hpp"

namespace veer::notify {

enum class Tone { success, neutral, warning, failure };

// failure for errors, warning for warnings, success for a finished promotion, neutral otherwise.
Tone tone(const Notification& n);
// "#2EB67D" style colour for `tone`.
std::string tone_hex(Tone t);
// The same colour as an integer (Discord's embed colour).
int tone_rgb(Tone t);

// Evidence as a fixed-width table (header line, then one line per row), for code blocks.
std::string evidence_table(const std::vector<EvidenceRow>& rows);

// One line per evidence row: "request-success-rate: canary 91.2% vs primary 99.8% — fail (…)".
std::string evidence_line(const EvidenceRow& row);

// Escapes &, < and > (Slack mrkdwn, Google Chat and Teams text treat them as markup).
std::string escape_markup(const std::string& text);

}  // namespace veer::notify
