// weft/run.hpp — running a program on the parallel scheduler: what ships.
//
//   int main() {
//     return weft::run([] {
//       auto results = weft::make_chan<int>();
//       for (int i = 0; i < 4; ++i) weft::go([=] { results.send(i * i); });
//       int sum = 0;
//       for (int i = 0; i < 4; ++i) sum += results.recv();
//       std::printf("%d\n", sum);
//     });
//   }
//
// weft::run starts `main` as goroutine 1 on `procs` logical processors, each bound to one OS
// thread (the calling thread is the first), and returns 0 when main returns (66 if the race
// detector reported something, see detect_races) — as in Go, the
// program is then over: goroutines still alive are abandoned where they stopped (their
// destructors do not run). Time is real. The same channels, select, sync, time and context
// code runs under weft::explore and weft::run.
//
// Exit status 2 (the process ends, as a Go program's does):
//  - every goroutine is blocked and no timer is pending: `fatal error: all goroutines are
//    asleep - deadlock!` and a dump of every goroutine on stderr;
//  - a panic (weft::Panic, a failed weft::check, any exception) escapes a goroutine:
//    `panic: ...` and the dump;
//  - SIGQUIT while it runs: `SIGQUIT: quit` and the dump.
// Bad configuration (procs, WEFT_PROCS, WEFT_DETECT_RACES, race_suppressions) is reported on
// stderr and run() returns 2 without starting main.
//
// Race detection (detect_races, or WEFT_DETECT_RACES=1; Go's -race): the happens-before
// detector of weft::explore watches the real execution on every processor — the same edges
// (go, channels, select, sync, atomics, timers, context) and the same recorded accesses
// (weft-instrument's, weft::Shared, weft::race::*). A data race (or lock-order inversion)
// between goroutines on any processors is printed to stderr as explore prints it (both
// accesses, their goroutines, call chains and creation sites), each distinct pair of
// locations once; the program runs on and run() returns 66, as a Go program built with
// -race exits 66. With halt_on_race the process ends with status 66 after the first report.
// Only races of this execution are found (explore searches other schedules), and there is
// no replay token: the schedule was the operating system's. Detection slows the program
// (every event and every recorded access takes the detector's lock; bench/compare_race.sh
// --run measures it). Instrumented std::atomic operations are seen with their memory
// orders, but, as under ThreadSanitizer, fences are not: synchronisation through relaxed
// operations and std::atomic_thread_fence is reported as a race here (weft::explore models
// it).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/events.hpp"

namespace weft {

struct RunOptions {
  // Logical processors: goroutines that run in parallel. 0: the number of cores.
  unsigned procs = 0;
  // Usable goroutine stack size in bytes (whole pages; a guard page is added). 0: 256 KiB,
  // or 1 MiB under AddressSanitizer.
  std::size_t stack_size = 0;
  // Apply WEFT_PROCS (1 to 1024) and WEFT_DETECT_RACES (0 or 1) on top of these options.
  bool use_environment = true;
  // Run the race detector on the real execution (see above); WEFT_DETECT_RACES overrides.
  bool detect_races = false;
  // With detect_races: end the process with status 66 at the first report (Go's
  // GORACE=halt_on_error=1), instead of reporting each distinct race once and running on.
  bool halt_on_race = false;
  // With detect_races: reports matching one of these are not printed (the forms of
  // ExploreOptions::race_suppressions).
  std::vector<std::string> race_suppressions;
  // Dump every goroutine and exit 2 on SIGQUIT (Go's behaviour), while run() runs.
  bool dump_on_sigquit = true;
  // The most OS threads the run may use: one per processor plus one per weft::blocking
  // call in progress (Go's debug.SetMaxThreads). A blocking call beyond it ends the
  // program: `fatal error: thread exhaustion`, a goroutine dump, exit status 2. Must be at
  // least the processors.
  unsigned max_threads = 10'000;
  // Opt-in (0, the default: never): once this many goroutines are alive, a goroutine that
  // blocks gives its stack pages back to the system (its used bytes go to a heap copy until
  // it runs again), as under weft::explore — about a third of the memory per blocked
  // goroutine, at several µs of CPU each time a compacted goroutine wakes (a program that
  // keeps 20,000 goroutines alive and blocks often ran ~5x slower). On one processor with no
  // other thread in, a compacted stack is copied out and back directly; with more processors,
  // or once a weft::blocking call or a thread of the program's own came in, through a
  // userfaultfd so that other threads never see a stack half put back (about 2.5x the CPU per
  // compaction and restore; without userfaultfd, e.g. under a seccomp filter that denies it,
  // compaction is then off). Needs Linux 6.13+ (guard markers; 6.8+ for the userfaultfd
  // part); off under AddressSanitizer. WEFT_COMPACT_STACKS overrides it unless
  // use_environment is false.
  std::size_t compact_stacks_from = 0;
};

// The most logical processors run() accepts.
inline constexpr unsigned kMaxProcs = 1024;

// Runs `main` as the main goroutine on the parallel scheduler; returns 0 once it returned,
// 66 if the race detector reported a race meanwhile, or 2 on a configuration error. Throws std::logic_error when called from a goroutine or
// while another run() is in progress.
[[nodiscard]] int run(std::function<void()> main, RunOptions options = {});

// Writes a dump of every goroutine of the run in progress to stderr: id, name, state
// (running, runnable, or blocked with the reason and for how long) and where. Outside a
// run it writes nothing. A snapshot taken while goroutines run: states may be a moment old.
void dump_goroutines();

namespace detail {
void run_blocking(void (*fn)(void*), void* arg, Location where);
}

// Runs f() — a call that may block its OS thread (a read, a wait on a std::future, a C
// library that sleeps) — and returns what it returns, or rethrows what it throws. Under
// weft::run the goroutine's processor runs the other goroutines meanwhile: f runs on a
// thread of its own (one of a pool, RunOptions::max_threads), on the goroutine's stack.
// f runs no goroutine: what never waits works there and wakes goroutines as it would from
// one (close a channel, cancel a context, a send that finds a receiver or room, try_send /
// try_recv, unlock a Mutex, WaitGroup::done, Cond::signal, arm or stop a Timer), as from any
// other thread of the program while the run runs; what would wait (a receive from an empty
// channel, a contended lock, WaitGroup::wait, sleep) and go() throw std::logic_error there. Outside weft::run (under weft::explore, or outside any run) f
// simply runs on the calling thread. A call still in progress when main returns is
// abandoned with its goroutine; its thread ends when the call returns.
//
//   auto n = weft::blocking([&] { return ::read(fd, buf, sizeof buf); });
template <class F>
std::invoke_result_t<F&> blocking(F&& f,
                                  std::source_location where = std::source_location::current()) {
  using R = std::invoke_result_t<F&>;
  using Fn = std::remove_reference_t<F>;
  if constexpr (std::is_void_v<R>) {
    detail::run_blocking([](void* a) { (*static_cast<Fn*>(a))(); }, &f, Location::from(where));
  } else if constexpr (std::is_reference_v<R>) {
    struct Call {
      Fn* f;
      std::remove_reference_t<R>* result;
    } call{&f, nullptr};
    detail::run_blocking(
        [](void* a) {
          auto* c = static_cast<Call*>(a);
          c->result = &(*c->f)();
        },
        &call, Location::from(where));
    return static_cast<R>(*call.result);
  } else {
    struct Call {
      Fn* f;
      std::optional<R> result;
    } call{&f, std::nullopt};
    detail::run_blocking(
        [](void* a) {
          auto* c = static_cast<Call*>(a);
          c->result.emplace((*c->f)());
        },
        &call, Location::from(where));
    return std::move(*call.result);
  }
}

}  // namespace weft
