// Text of the failures the scheduler itself finds: goroutine dumps (Go's traceback style),
// panics, failed checks, escaped exceptions. Deterministic: no addresses, no real time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "goroutine.hpp"
#include "weft/explore.hpp"

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

// ---- Failures as data (weft::Failure); their text is rendered from the fields ----

class HeldLocks;

// Names mutexes "M1", "M2", ... in the order a report first mentions them.
class MutexNames {
 public:
  std::string name(const void* mutex);

 private:
  std::vector<const void*> seen_;
};

// `at` followed by the callers that instrumented code marked (G::calls, innermost last in
// `calls`), columns translated back to the original source; empty when `at` is unknown.
std::vector<Location> call_chain(Location at, const void* const* calls, std::uint32_t ncalls);

// A goroutine as a failure shows it: where it is (`at` for a running goroutine; else where
// it blocked or the scheduling point it waits at) and its callers, what it waits on (a
// channel's creation site; a mutex and who holds it) and the locks it holds (`locks` may
// be null: not known).
FailureGoroutine describe_goroutine(const G& g, bool running, const Location* at,
                                    const HeldLocks* locks, MutexNames& names);
// "goroutine 2 "worker" [chan send]:\n    blocked at ...\n" and the lines that follow it.
std::string render_goroutine(const FailureGoroutine& g);

// A failure naming goroutines: `message`, a blank line, each goroutine's block, then
// `after` (text the fields do not hold: a summary of unlisted goroutines, a remedy).
// `key_first` is where the failure happened, when that is one place (a panic's).
Failure goroutine_failure(FailureKind kind, std::string message,
                          std::vector<FailureGoroutine> goroutines, std::string after = {},
                          const Location* key_first = nullptr);

// The dump of a deadlock, leak or step limit: at most 32 goroutines in full (`running`
// first, then the order given), the rest counted by state and place.
Failure dump_failure(FailureKind kind, std::string message, const std::vector<G*>& gs,
                     const G* running, const HeldLocks* locks);

Failure panic_failure(FailureKind kind, const G& g, std::string message, const Location& where,
                      const HeldLocks* locks);
Failure exception_failure(const G& g, const std::string& what, const HeldLocks* locks);
// A failure known only as text (its first line becomes the message).
Failure text_failure(FailureKind kind, std::string report);

}  // namespace weft::detail
