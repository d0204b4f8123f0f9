// weft/failure.hpp — a failure as data: its kind and the fields every report is rendered
// from (README, "Report formats"). weft/explore.hpp includes it; the schedulers need only
// this part of it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "weft/events.hpp"

namespace weft {

enum class FailureKind {
  deadlock,
  leak,
  panic,
  assertion,
  exception,
  step_limit,
  data_race,
  lock_order,
  replay_diverged,
  configuration,  // a malformed option or WEFT_* variable, or an unwritable WEFT_REPORT
  // A system limit (memory, address space, vm.max_map_count) refused a goroutine's stack,
  // or an allocation failed (std::bad_alloc escaped a goroutine).
  resource_limit,
  crash,  // a fatal signal or exit() during an iteration (reported on stderr as the process ends)
  hang,   // the running goroutine made no visible operation for hang_timeout (likewise)
  // std::thread / pthread code did what C++ leaves undefined (unlocking a mutex it does not
  // hold, locking a std::mutex twice, waiting with a mutex it does not hold).
  undefined_behavior,
};
std::string_view failure_kind_name(FailureKind k) noexcept;

// A failure as data (README, "Report formats"): the text report, the JSON of WEFT_REPORT
// and the weft CLI's SARIF and JUnit are all rendered from these fields. Call chains list
// the innermost location first; a caller is shown at the line of its call where the call
// was marked (instrumented code), as the race detector's are.
struct FailureLock {
  std::string mutex;                  // "M1", "M2", ...: named in order of first mention
  bool exclusive = true;              // false: held shared (RWMutex::rlock)
  std::vector<Location> acquired_at;  // where it was taken, then that call chain
};
struct FailureGoroutine {
  GoId id = 0;
  std::string name;   // may be empty
  std::string state;  // "running", "runnable" or "blocked"
  std::string wait;   // blocked: the wait reason ("chan receive", "sync.Mutex.Lock", ...)
  // Where it is: where it blocked, or the scheduling point a runnable one waits at, then
  // its callers; empty for a goroutine that has not started.
  std::vector<Location> stack;
  GoId parent = 0;                   // 0: a root goroutine (main)
  std::vector<Location> created_at;  // the go statement (race reports: then the spawner's chain)
  std::vector<FailureLock> locks;    // the locks it holds
  // What it waits on: a channel's creation site, or the mutex (its name) and its holders.
  std::vector<Location> channel_created_at;
  // Blocked in a select: each case's channel, in case order (nil channels left out).
  struct SelectWait {
    bool send = false;             // a send case; else a receive case
    Location channel_created_at;   // line 0 if unknown
  };
  std::vector<SelectWait> select_waits;
  std::string waits_for_mutex;
  std::vector<GoId> mutex_held_by;
};
// One side of a data race.
struct FailureAccess {
  std::string access;  // "read", "write" or "update" (read-modify-write)
  std::size_t size = 0;  // bytes (the current access only; 0 for the previous one)
  GoId goroutine = 0;
  std::vector<Location> stack;
  bool atomic = false;  // an atomic operation (std::atomic, std::atomic_ref)
};
// One edge of a lock-order cycle: `goroutine` took `acquired` while holding `held`.
struct FailureLockEdge {
  std::string held, acquired;  // "M1", ...
  bool exclusive = true;
  GoId goroutine = 0;
  std::vector<Location> held_at, acquired_at;
};

struct Failure {
  Failure() = default;
  Failure(FailureKind k, std::string text, std::string headline = {})
      : kind(k), report(std::move(text)), message(std::move(headline)) {}

  FailureKind kind{};
  // The report: deterministic for a given schedule, so a replay reproduces it byte for byte.
  std::string report;
  // The first line of the report ("all goroutines are asleep - deadlock!", "panic: ...").
  std::string message;
  // The source locations that identify the failure (with its kind): where it happened
  // first, then the other places the report names that do not depend on the schedule
  // (goroutines' blocking and creation sites, a race's two stacks). Two failures with the
  // same kind and locations are the same finding.
  std::vector<Location> locations;
  // The goroutines involved: every live one for a deadlock, leak or step limit (at most 32;
  // `goroutines_omitted` more), the failing one for a panic or assertion, both sides of a
  // race, the cycle's goroutines for a lock-order inversion.
  std::vector<FailureGoroutine> goroutines;
  std::size_t goroutines_omitted = 0;
  std::vector<FailureAccess> accesses;  // data race: the current access, then the previous
  std::vector<FailureLockEdge> cycle;   // lock-order inversion, in cycle order
};

}  // namespace weft
