// What one worker process did, read from how it ended: the JSON it wrote to WEFT_REPORT
// when it finished, or the crash/hang report the runtime printed on stderr as it died
// (runtime/src/crash.cpp, watchdog.cpp), or neither.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "process.hpp"
#include "run_result.hpp"

namespace weft::cli {

// A fatal report from stderr: "weft: crash in iteration 4 (strategy random, seed 1)", the
// report, and "replay with: WEFT_REPLAY=<token>". The last one in `err` wins.
struct FatalReport {
  std::string kind;  // "crash" or "hang"
  std::optional<std::uint64_t> iteration;  // 0-based; none for a replayed schedule
  std::string strategy;
  std::uint64_t seed = 0;
  std::string report;
  std::string token;
};
std::optional<FatalReport> parse_fatal_report(const std::string& err);

struct WorkerOutcome {
  std::uint64_t covered_end = 0;  // iterations [first, covered_end) were explored
  std::uint64_t steps = 0;
  std::optional<Finding> finding;
  // WEFT_KEEP_GOING: the other findings the worker reported, in the order found: of a
  // finished report, every distinct failure after the first (`finding`); of a report written
  // while it went on ("partial": true) or as it died, each found before `finding`, its end.
  std::vector<Finding> also;
  std::optional<std::string> error;  // a configuration or environment error
  bool ran_explore = true;           // false: the binary exited 0 without a report
  bool budget_exhausted = false;
  bool search_exhausted = false;     // dfs: every schedule of its (shard of the) search ran
  // Whether the rest of the range, [covered_end, first + count), can go on in a fresh worker.
  bool resumable = false;
};

// `first`/`count`: the iterations the worker was given (count 1 for a replay).
// `status_is_verdict`: a non-zero exit after a clean report is a `test failure` (GoogleTest:
// an EXPECT failed); for the weft protocol the report alone is the verdict (weft-examples
// exits 1 when a bug example's bug was not in the iterations it was given).
// `progress`: the word the worker left in its WEFT_PROGRESS file (runtime/src/progress.hpp;
// 0 when none): with neither a report nor a fatal report, it says which iteration the
// worker died in, or after which one.
// A partial report (the findings so far, written as each was found under WEFT_KEEP_GOING)
// from a worker that then died gives `also`; its end is read as if there were no report.
WorkerOutcome interpret(std::uint64_t first, std::uint64_t count, const ExitStatus& status,
                        const std::string& report_json, const std::string& out,
                        const std::string& err, bool status_is_verdict = true,
                        std::uint64_t progress = 0);

}  // namespace weft::cli
