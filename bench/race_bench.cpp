// race_bench.cpp — weft's side of the race detector vs ThreadSanitizer comparison
// (bench/compare_race.sh; the std::thread side is bench/tsan/race_threads.cpp).
// The workloads of race_workloads.hpp (a mutex-protected parallel histogram and a
// shared-read-heavy lookup table) run once inside weft::explore (1 iteration, accesses not
// scheduling points), with the race detector on and off.
//
//   BM_Race/<workload>/detect:<0|1>   one explored run per iteration; ns per recorded access
//                                     (absolute: all of the run's time / accesses)
//   BM_RaceRun/<workload>/detect:<0|1> the same on weft::run at 2 processors (goroutines in
//                                     parallel); cpu_time is the whole process's (all threads)
//   BM_RaceOverhead/<workload>        off and on back to back in each iteration; the reported
//                                     (manual) time is on - off; counters: ratio = on/off,
//                                     ns/access = (on - off) / recorded accesses, and the
//                                     same from CPU time (cpu_ratio, cpu_ns/access), which a
//                                     loaded machine disturbs less
//
// Run: build/release/bench/race_bench  (WORKLOAD 0 = histogram, 1 = lookup)
#include <benchmark/benchmark.h>

#include "race_weft.hpp"

namespace {

using weft_bench::Params;
using weft_bench::run_weft;
using weft_bench::Workload;

const char* name(Workload w) { return w == Workload::histogram ? "histogram" : "lookup"; }

void BM_Race(benchmark::State& state) {
  const auto w = static_cast<Workload>(state.range(0));
  const bool detect = state.range(1) != 0;
  const Params p;
  weft_bench::expected(w, p);  // computed here, outside the timed loop
  double ns = 0, accesses = 0;
  for (auto _ : state) {
    auto run = run_weft(w, p, detect);
    if (!run.error.empty()) {
      state.SkipWithError(run.error.c_str());
      return;
    }
    ns += run.ns;
    accesses += static_cast<double>(run.outcome.accesses);
  }
  state.SetLabel(name(w));
  state.counters["accesses"] = accesses / static_cast<double>(state.iterations());
  state.counters["ns/access"] = ns / accesses;
}
BENCHMARK(BM_Race)
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->ArgNames({"workload", "detect"})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

void BM_RaceOverhead(benchmark::State& state) {
  const auto w = static_cast<Workload>(state.range(0));
  const Params p;
  weft_bench::expected(w, p);  // computed here, outside the timed loop
  double on = 0, off = 0, cpu_on = 0, cpu_off = 0, accesses = 0;
  for (auto _ : state) {
    auto a = run_weft(w, p, false);
    auto b = run_weft(w, p, true);
    if (!a.error.empty() || !b.error.empty()) {
      state.SkipWithError((a.error + b.error).c_str());
      return;
    }
    off += a.ns;
    on += b.ns;
    cpu_off += a.cpu_ns;
    cpu_on += b.cpu_ns;
    accesses += static_cast<double>(b.outcome.accesses);
    state.SetIterationTime((b.ns - a.ns) * 1e-9);
  }
  state.SetLabel(name(w));
  state.counters["off_ms"] = off / 1e6 / static_cast<double>(state.iterations());
  state.counters["on_ms"] = on / 1e6 / static_cast<double>(state.iterations());
  state.counters["ratio"] = on / off;
  state.counters["ns/access"] = (on - off) / accesses;
  state.counters["cpu_ratio"] = cpu_on / cpu_off;
  state.counters["cpu_ns/access"] = (cpu_on - cpu_off) / accesses;
}
// The same on weft::run at 2 processors (bench/compare_race.sh --run).
void BM_RaceRun(benchmark::State& state) {
  const auto w = static_cast<Workload>(state.range(0));
  const bool detect = state.range(1) != 0;
  const Params p;
  weft_bench::expected(w, p);  // computed here, outside the timed loop
  double ns = 0, cpu = 0, accesses = 0;
  for (auto _ : state) {
    auto run = weft_bench::run_weft_parallel(w, p, detect, 2);
    if (!run.error.empty()) {
      state.SkipWithError(run.error.c_str());
      return;
    }
    ns += run.ns;
    cpu += run.cpu_ns;
    accesses += static_cast<double>(run.outcome.accesses);
  }
  state.SetLabel(name(w));
  state.counters["accesses"] = accesses / static_cast<double>(state.iterations());
  state.counters["ns/access"] = ns / accesses;
  state.counters["cpu_ns/access"] = cpu / accesses;
}
BENCHMARK(BM_RaceRun)
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->ArgNames({"workload", "detect"})
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Iterations(3);

BENCHMARK(BM_RaceOverhead)
    ->Arg(0)
    ->Arg(1)
    ->ArgNames({"workload"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
