// Fatal ends of an explored iteration become reports instead of silence: a fatal signal
// (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, a stack overflow) or exit()/quick_exit() on the
// exploring thread prints a report of kind `crash`; the watchdog (watchdog.hpp) prints one
// of kind `hang`. Either way the process still ends as it would have: the signal is passed
// on to the handler that was there before (or the default action), exit() keeps its status.
//
// Invariants:
//  - the handlers are installed while a CrashGuard lives (one explore() call at a time
//    owns them; a nested or concurrent explore runs without) and put back afterwards,
//    unless someone installed theirs on top meanwhile: then ours stays in their chain as a
//    pass-through;
//  - a handler runs on an alternate signal stack of the exploring thread (a fiber stack may
//    be the thing that overflowed) and allocates nothing: it writes with write(2) from
//    fixed buffers, and streams the replay token from the recorded schedule;
//  - at most one fatal report is written per process.
#pragma once

#include <signal.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "weft/explore.hpp"

namespace weft::detail {

class ControlledScheduler;
struct G;

// The exploration in progress, as fatal reports see it. Written by the exploring thread;
// read by a signal handler on that thread or by the watchdog thread.
struct LiveRun {
  StrategyKind strategy = StrategyKind::random;
  std::uint64_t seed = 0;
  std::size_t stack_size = 0;                       // usable bytes of a goroutine stack
  std::atomic<std::uint64_t> iteration{0};          // 0-based
  std::atomic<ControlledScheduler*> sched{nullptr};  // set while an iteration runs
};

// Marks iteration `i` of `run` as running on `sched` for its lifetime (declared after the
// scheduler, so it ends first, whether the iteration returns or throws).
class LiveIteration {
 public:
  LiveIteration(LiveRun& run, ControlledScheduler& sched, std::uint64_t i) noexcept : run_(run) {
    run_.iteration.store(i);
    run_.sched.store(&sched);
  }
  ~LiveIteration() { run_.sched.store(nullptr); }
  LiveIteration(const LiveIteration&) = delete;
  LiveIteration& operator=(const LiveIteration&) = delete;

 private:
  LiveRun& run_;
};

// Counts visible operations (and scheduler steps) on the exploring thread; the watchdog
// compares it over time. One writer, so a relaxed load and store (no locked instruction).
extern std::atomic<std::uint64_t> explore_progress;
// Set by the exploring thread around weft's own slow work between visible operations (the
// first symbolisation of a std call's site reads the program's debug information): the
// watchdog does not count that time as a hang.
extern std::atomic<bool> explore_busy;
inline void note_progress() noexcept {
  explore_progress.store(explore_progress.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
}

// An alternate signal stack for the calling thread while it lives (the previous one put back
// afterwards): a crash handler must not run on a goroutine stack that has just overflowed.
class ThreadAltStack {
 public:
  ThreadAltStack() noexcept;
  ~ThreadAltStack();
  ThreadAltStack(const ThreadAltStack&) = delete;
  ThreadAltStack& operator=(const ThreadAltStack&) = delete;

 private:
  void* stack_ = nullptr;
  std::size_t size_ = 0;
  bool installed_ = false;
  unsigned char old_[32] = {};  // the thread's previous stack_t
};

// Installs the crash handlers (and an alternate signal stack on this thread) for its
// lifetime, reporting against `run`.
class CrashGuard {
 public:
  explicit CrashGuard(LiveRun& run);
  ~CrashGuard();
  CrashGuard(const CrashGuard&) = delete;
  CrashGuard& operator=(const CrashGuard&) = delete;
  bool owner() const noexcept { return owner_; }

 private:
  bool owner_ = false;
  ThreadAltStack altstack_;
};

// The same handlers for a weft::run in progress (parallel scheduler): a fatal signal on a
// processor's thread prints which goroutine crashed (id, name, where it was created, its last
// visible operation) before the process ends as it would have. `running` gives the goroutine
// on the calling thread (nullptr in the scheduler itself); it must be async-signal-safe. Each
// processor thread holds a ThreadAltStack so that a stack overflow is reported too. Does
// nothing while an explore() owns the handlers.
class RunCrashGuard {
 public:
  explicit RunCrashGuard(const G* (*running)() noexcept);
  ~RunCrashGuard();
  RunCrashGuard(const RunCrashGuard&) = delete;
  RunCrashGuard& operator=(const RunCrashGuard&) = delete;
  // Whether this run owns the handlers (stack compaction needs them).
  bool owner() const noexcept { return owner_; }

 private:
  bool owner_ = false;
};

// Claims the one fatal report of this process; false if another was written already.
bool claim_fatal_report() noexcept;

// Writes a report of kind `hang` for `run` to stderr, without allocating.
// `why` is one line ending in '\n' that says what the watchdog saw.
void write_hang_report(const LiveRun& run, const char* why) noexcept;

// Whether a fault at `fault`, taken with the stack pointer at `sp` (0: unknown), is an
// overflow of the stack whose lowest usable byte is `bottom`: the fault lies just below it
// (in the guard an overflowing frame runs into), or the stack pointer itself has gone below
// it (a frame larger than the guard, such as a 1 MiB local array, faults far below the
// guard, perhaps in a neighbour's stack).
bool is_stack_overflow(const void* bottom, const void* fault, std::uintptr_t sp) noexcept;

// Whether a SIGSEGV (`info`, interrupted context `uc`) touched a compacted stack
// (stack_compact.hpp) whose bytes are now back, so the access can run again. `running`: the
// goroutine running on the faulting thread, if known; its stack overflowing into a
// neighbour's compacted one is a crash, not such a touch. Async-signal-safe.
bool restore_compacted_at_fault(const siginfo_t* info, const void* uc,
                                const G* running) noexcept;

}  // namespace weft::detail
