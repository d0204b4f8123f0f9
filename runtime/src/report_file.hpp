// The WEFT_REPORT file: the JSON result of each explore() call, written whole or not at all,
// and — when the process dies in an iteration (a crash, exit(), a hang) — a JSON report of
// that death written from the signal handler or the watchdog without allocating.
//
// One process, several explorations (a GoogleTest binary with many tests, a program that
// calls explore() more than once): every explore() call that finishes (or dies) in the
// process adds its result, and the file always holds all of them so far:
//  - after the first call, its result alone: a `weft.explore/1` object;
//  - after more calls, one document listing them in order:
//      {"schema": "weft.explore-runs/1", "ok": <all ok>, "runs": [<weft.explore/1>, ...]}
// The first call of a process replaces whatever the file held before (an earlier process's
// report); a call with another WEFT_REPORT path starts that file's own list.
//
// Invariants:
//  - the file is replaced by rename(2) of a complete temporary file beside it, so a reader
//    sees the previous complete document or the new one, never a mix;
//  - what the fatal path writes (fatal_report_file()) is rendered while the exploration
//    starts, so the handler only copies bytes, escapes the report text and streams the
//    token: open, write, close and rename, all async-signal-safe.
//
// keep_going: each new distinct finding is written at once (write_partial_report_file), as
// the result so far with "partial": true, so that a process killed later (SIGKILL, which no
// handler sees) leaves every finding it had; the final result replaces it. A crash or hang
// after such findings writes them too: its run has "findings": [<those>, <the crash>],
// rendered by the exploring thread into strings that stay alive while armed
// (FatalReportFile::set_findings) and published by one atomic pointer store.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "weft/explore.hpp"

namespace weft::detail {

// Why `path` cannot take a report, or "" when it can: it must be a regular file (or not
// exist yet) in an existing, writable directory; a symbolic link, a directory, a device or
// a FIFO is refused rather than replaced. Messages name WEFT_REPORT.
std::string report_path_problem(const std::string& path);

// An exploration of this process is about to report to `path`. The first time this process
// reports there (or after it reported elsewhere), a regular file already at `path` is an
// earlier process's report and is removed: a process killed before it writes leaves no
// report rather than one that reads as its own.
void claim_report_path(const std::string& path);

// Adds `run_json` (one result, ExploreResult::to_json()) to this process's results for
// `path` and writes them there (see above). Returns "" or why nothing was written.
std::string write_report_file(const std::string& path, const std::string& run_json, bool ok);

// Writes `run_json` (a result so far, marked partial) as this process's current result for
// `path`, after its earlier results, whole, without adding it to them: the next write (the
// final result, or another partial one) replaces it. Returns "" or why nothing was written.
std::string write_partial_report_file(const std::string& path, const std::string& run_json);

// What the fatal path needs, rendered ahead. Strings are owned by the FatalReportFile that
// armed them and stay unchanged while armed.
struct FatalReportTemplate {
  const char* path = nullptr;        // WEFT_REPORT
  const char* tmp = nullptr;         // the temporary file beside it
  const char* prefix = nullptr;      // "" or the runs document up to this run's object
  const char* run_head = nullptr;    // {"schema":"weft.explore/1","ok":false,"strategy":...,"seed":N,
  const char* suffix = nullptr;      // "\n" or "]}\n"
  std::uint64_t first_iteration = 0; // the call's first iteration (its iterations count from it)
  bool replay = false;               // a replayed schedule: one iteration
  // keep_going: the findings so far, as JSON objects separated by ", " (nullptr: none).
  std::atomic<const char*> findings{nullptr};
};

// Arms the fatal report file for one explore() call for its lifetime, when `path` is set
// (and no other call armed it: a nested explore() leaves the outer one's in place).
class FatalReportFile {
 public:
  FatalReportFile(const char* path, const ExploreOptions& options, std::uint64_t first);
  ~FatalReportFile();
  FatalReportFile(const FatalReportFile&) = delete;
  FatalReportFile& operator=(const FatalReportFile&) = delete;

  // keep_going: the findings so far (JSON objects separated by ", "), for a crash or hang
  // to write before its own. Kept until this object dies: a handler may be reading an
  // earlier one.
  void set_findings(std::string fragment);

 private:
  bool armed_ = false;
  std::string path_, tmp_, prefix_, head_, suffix_;
  std::vector<std::unique_ptr<const std::string>> findings_;
  FatalReportTemplate t_;
};

// The armed template, or nullptr; read by crash.cpp's fatal path.
const FatalReportTemplate* fatal_report_file() noexcept;

}  // namespace weft::detail
