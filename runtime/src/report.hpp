// Text of the failures the scheduler itself finds: goroutine dumps (Go's traceback style),
// panics, failed checks, escaped exceptions. Deterministic: no addresses, no real time.
#pragma once

#include <string>

#include "goroutine.hpp"

namespace weft::detail {

std::string format_location(const Location& l);
// "goroutine 2 "worker" [chan send]:\n    at FILE:LINE:COL in FN\n    created by ...\n"
std::string goroutine_dump(const G& g, bool running);
std::string panic_report(const G& g, const std::string& message, const Location& where);
std::string check_report(const G& g, const std::string& message, const Location& where);
std::string exception_report(const G& g, const std::string& what);

}  // namespace weft::detail
