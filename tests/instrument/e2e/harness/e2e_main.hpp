// e2e_main.hpp — the driver shared by the weft-instrument end-to-end programs.
//
// Each program under programs/ is ordinary C++ (plain shared variables, weft primitives, no
// annotations) that defines `void program()` and ends with WEFT_E2E_MAIN(program). It is
// built twice, plain and through weft_instrument(); this header lives outside the
// instrumented root, so the driver itself is never rewritten.
//
//   prog --run      explore 25 iterations with the race detector and access scheduling off
//                   and print what the body prints plus the outcome. The hooks are inactive
//                   then, so the plain
//                   and the instrumented build follow the same schedules and must print the
//                   same bytes.
//   prog --detect   explore with the detector on (the default options) and print the
//                   result's report; exit 0 when no failure was found, 1 otherwise.
//   prog --report   as --run, but print the whole report: its locations must be the same
//                   in both builds (columns of the original source, not of the copy).
#pragma once

#include <cstdio>
#include <cstring>
#include <string>

#include "weft/explore.hpp"

namespace e2e {

inline int drive(int argc, char** argv, void (*body)()) {
  const bool detect = argc > 1 && std::strcmp(argv[1], "--detect") == 0;
  const bool report = argc > 1 && std::strcmp(argv[1], "--report") == 0;
  weft::ExploreOptions opt;
  opt.use_environment = false;
  opt.seed = 11;
  opt.iterations = detect ? 2000 : 25;
  opt.detect_races = detect;
  // Accesses are scheduling points only with --detect: otherwise the instrumented build's
  // hooks stay inactive and it follows the plain build's schedules exactly.
  opt.schedule_accesses = detect;
  weft::ExploreResult r = weft::explore(body, opt);
  std::fflush(stdout);
  if (detect || report) {
    std::printf("outcome: %s\n%s",
                r.ok() ? "ok" : std::string(weft::failure_kind_name(r.failure->kind)).c_str(),
                r.to_string().c_str());
  } else {
    // Only the kind: a failure report would name the build's file paths.
    std::printf("outcome: %s after %llu iterations\n",
                r.ok() ? "ok" : std::string(weft::failure_kind_name(r.failure->kind)).c_str(),
                static_cast<unsigned long long>(r.iterations));
  }
  return r.ok() ? 0 : 1;
}

}  // namespace e2e

#define WEFT_E2E_MAIN(body) \
  int main(int argc, char** argv) { return ::e2e::drive(argc, argv, &body); }
