// Text of the failures the scheduler itself finds: goroutine dumps (Go's traceback style),
// panics, failed checks, escaped exceptions. Deterministic: no addresses, no real time.
#pragma once

#include <string>
#include <string_view>

#include "goroutine.hpp"

namespace weft::detail {

std::string format_location(const Location& l);
// "goroutine 2 "worker" [chan send]:\n    at FILE:LINE:COL in FN\n    created by ...\n"
std::string goroutine_dump(const G& g, bool running);
// The same, with how long a blocked goroutine has waited ("[chan receive, 2.5s]"); empty
// `waited` leaves it out (the controlled scheduler's dumps are deterministic).
std::string goroutine_dump(const G& g, bool running, std::string_view waited);
std::string panic_report(const G& g, const std::string& message, const Location& where);
std::string check_report(const G& g, const std::string& message, const Location& where);
std::string exception_report(const G& g, const std::string& what);

}  // namespace weft::detail
