// race_weft.hpp — weft's environment for race_workloads.hpp, and one run of a workload,
// explored (weft::explore) or parallel (weft::run). Used by race_bench.cpp (Google
// Benchmark) and race_rss.cpp (peak RSS).
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "race_workloads.hpp"
#include "weft/weft.hpp"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define WEFT_BENCH_UNDER_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#else
#define WEFT_BENCH_UNDER_VALGRIND() false
#endif

namespace weft_bench {

// Goroutines, weft::Mutex, and every shared access recorded through weft::race (read, write,
// and update for a read-modify-write — what weft-instrument emits for `x += d`).
struct WeftEnv {
  using Mutex = weft::Mutex;
  weft::WaitGroup wg;

  template <class F>
  void spawn(F f) {
    wg.add(1);
    weft::go([this, f = std::move(f)]() mutable {
      f();
      wg.done();
    });
  }
  void join_all() { wg.wait(); }
  template <class T>
  static T load(const T& x) {
    weft::race::read(&x, sizeof(T));
    return x;
  }
  template <class T>
  static void store(T& x, T v) {
    weft::race::write(&x, sizeof(T));
    x = v;
  }
  template <class T>
  static void add(T& x, T d) {
    weft::race::update(&x, sizeof(T));
    x += d;
  }
};

enum class Workload { histogram, lookup };

inline Workload parse_workload(const std::string& s) {
  if (s == "histogram") return Workload::histogram;
  if (s == "lookup") return Workload::lookup;
  throw std::invalid_argument("unknown workload '" + s + "' (histogram|lookup)");
}

// The checksum a run of `w` must give. Lookup's costs about as much to compute as a plain run
// of the workload, so the last one computed is kept: a benchmark that asks for it before its
// timed loop (race_bench) then times the runs alone, as race_threads does for the TSan side.
inline std::uint64_t expected(Workload w, const Params& p) {
  if (w == Workload::histogram) return std::uint64_t{p.workers} * p.items;
  static Params last{};
  static std::uint64_t value = 0;
  static bool known = false;
  if (!known || last.workers != p.workers || last.table != p.table || last.reads != p.reads) {
    value = lookup_expected(p);
    last = p;
    known = true;
  }
  return value;
}

// CPU time (user + system) of the process so far, in ns.
inline double process_cpu_ns() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return (static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
          static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec)) *
         1e3;
}

struct WeftRun {
  double ns = 0;          // wall time of the whole explore call (1 iteration)
  double cpu_ns = 0;      // its CPU time (explore runs on the calling thread)
  Outcome outcome;
  std::string error;      // empty when the run succeeded and the checksum matched
};

// Whether the bench runs under valgrind (callgrind, cachegrind: the way to count its
// instructions): the run is then some 50x slower, and a worker's loop without a visible
// operation outlasts the watchdog's default hang timeout.
inline bool under_valgrind() { return WEFT_BENCH_UNDER_VALGRIND(); }

// Runs workload `w` as the body handed to `launch` (an explore or a run), timing it: wall and
// CPU time, the outcome; `launch` returns an error text, empty on success.
template <class Launch>
WeftRun timed_workload(Workload w, const Params& p, Launch launch) {
  WeftRun run;
  const double c0 = process_cpu_ns();
  const auto t0 = std::chrono::steady_clock::now();
  run.error = launch([&] {
    WeftEnv env;
    run.outcome = w == Workload::histogram ? histogram(env, p) : lookup(env, p);
  });
  run.ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  run.cpu_ns = process_cpu_ns() - c0;
  if (run.error.empty() && run.outcome.checksum != expected(w, p)) run.error = "checksum mismatch";
  return run;
}

// Runs `w` once inside weft::explore (1 iteration, no access scheduling), with the race
// detector on or off. Under valgrind the watchdog is off (see under_valgrind).
inline WeftRun run_weft(Workload w, const Params& p, bool detect) {
  weft::ExploreOptions o;
  o.iterations = 1;
  o.use_environment = false;
  o.detect_races = detect;
  o.schedule_accesses = false;
  o.max_steps = std::numeric_limits<std::uint64_t>::max();
  if (under_valgrind()) o.hang_timeout = std::chrono::milliseconds{0};
  return timed_workload(w, p, [&](auto body) {
    auto r = weft::explore(body, o);
    return r.ok() ? std::string() : r.to_string();
  });
}

// Runs `w` once on weft::run (the parallel scheduler, `procs` processors), with the race
// detector on or off: the goroutines run in parallel, as the TSan side's threads do.
inline WeftRun run_weft_parallel(Workload w, const Params& p, bool detect, unsigned procs) {
  weft::RunOptions o;
  o.procs = procs;
  o.use_environment = false;
  o.detect_races = detect;
  return timed_workload(w, p, [&](auto body) {
    const int status = weft::run(body, o);
    if (status == 0) return std::string();
    return "weft::run returned " + std::to_string(status) +
           (status == 66 ? " (the race detector reported a race)" : "");
  });
}

}  // namespace weft_bench
