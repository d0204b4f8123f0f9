// A failure's fields as JSON (the "failure" and "findings" entries of weft.explore/1; the
// shape is in README, "Report formats", and tools/PROTOCOL.md). Frames are objects
// {"function", "file", "line", "column"}, as in the detector's reports.
#pragma once

#include <nlohmann/json.hpp>

#include "weft/explore.hpp"

namespace weft::detail {

nlohmann::ordered_json frames_json(const std::vector<Location>& frames);
// Everything but the report text and the iteration, token and check (explore.cpp adds those).
void add_failure_fields(nlohmann::ordered_json& j, const Failure& f);

}  // namespace weft::detail
