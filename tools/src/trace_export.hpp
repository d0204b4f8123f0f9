// Traces a person can look at: the runtime's event trace (weft.trace/1 JSON Lines, written
// under WEFT_TRACE by a replay; runtime/src/trace.hpp) exported as Chrome trace event JSON
// (Perfetto, chrome://tracing: one track per goroutine, happens-before edges such as channel
// messages as flow arrows) and as one self-contained HTML page (no script, no network: an
// SVG of goroutine lanes over steps, the events the failure report names highlighted).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weft::cli {

struct TraceEvent {
  std::uint64_t i = 0;
  std::string op;
  std::uint64_t g = 0;
  std::string obj;
  std::int64_t t = 0;  // virtual nanoseconds
  std::string file, func;
  std::uint64_t line = 0;
  std::optional<std::uint64_t> from;   // acquire: the release it follows
  std::optional<std::uint64_t> child;  // spawn: the new goroutine
  std::string name;                    // spawn: its name
  std::uint64_t size = 0;              // accesses
};

struct Trace {
  std::vector<TraceEvent> events;
  bool has_result = false;  // false when the process died before the end
  bool ok = true;
  std::string failure;  // kind
  std::string report;
  // The failure as data, when the trace's result line has it: the locations that
  // identify it and the goroutines it names.
  bool has_failure_data = false;
  std::vector<std::pair<std::string, std::uint64_t>> failure_places;  // file, line
  std::vector<std::uint64_t> failure_goroutines;
  // Goroutine ids in order of first appearance, with their names.
  std::vector<std::pair<std::uint64_t, std::string>> goroutines;
};

// Parses weft.trace/1; a cut-off last line (the process crashed mid-write) is ignored.
// Throws UsageError on anything else that is not a trace.
Trace parse_trace(const std::string& jsonl, const std::string& source);

// Which events the failure report names (same file and line), as indices into events.
std::vector<std::size_t> highlighted(const Trace& t);

std::string chrome_trace(const Trace& t, const std::string& title);
std::string html_timeline(const Trace& t, const std::string& title);

}  // namespace weft::cli
