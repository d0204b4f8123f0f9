// Timer-heavy workloads on weft::run (per-processor timer heaps): many goroutines each
// sleeping, or waiting in a select on weft::after, in a loop. Arguments: processors,
// goroutines, rounds per goroutine. Wall time is mostly the sleeps themselves; what the
// timer machinery costs shows in the process CPU time (all threads: MeasureProcessCPUTime)
// and in the rate of timers fired per CPU second (`timers_per_cpu_s`).
//
//   build/release/bench/run_timers_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "weft/weft.hpp"

namespace {

weft::RunOptions procs(long n) {
  weft::RunOptions o;
  o.procs = static_cast<unsigned>(n);
  o.use_environment = false;
  return o;
}

double cpu_seconds() {
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

enum class Wait { sleep, after };

template <Wait kind>
void timers(benchmark::State& state) {
  const long p = state.range(0), goroutines = state.range(1), rounds = state.range(2);
  long fired = 0;
  double cpu = 0;
  for (auto _ : state) {
    std::atomic<long> n{0};
    const double cpu0 = cpu_seconds();
    const int rc = weft::run([&] {
      auto never = weft::make_chan<int>();
      weft::WaitGroup wg;
      wg.add(goroutines);
      for (long g = 0; g < goroutines; ++g)
        weft::go([&, g, never] {
          for (long r = 0; r < rounds; ++r) {
            // 20..83 µs, varied so the heaps reorder.
            const auto d = std::chrono::microseconds(20 + (g * 7 + r * 13) % 64);
            if constexpr (kind == Wait::sleep) {
              weft::sleep(d);
            } else {
              weft::select(weft::recv_case(never), weft::recv_case(weft::after(d)));
            }
            n.fetch_add(1, std::memory_order_relaxed);
          }
          wg.done();
        });
      wg.wait();
    }, procs(p));
    cpu += cpu_seconds() - cpu0;
    if (rc != 0 || n.load() != goroutines * rounds) {
      state.SkipWithError("lost a timer");
      return;
    }
    fired += n.load();
  }
  state.counters["timers_per_cpu_s"] = static_cast<double>(fired) / cpu;
  state.counters["cpu_us_per_timer"] = cpu * 1e6 / static_cast<double>(fired);
}

void args(benchmark::internal::Benchmark* b) {
  for (long p : {1, 2}) b->Args({p, 1000, 50});
  b->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
}

BENCHMARK(timers<Wait::sleep>)->Name("RunSleep")->Apply(args);
BENCHMARK(timers<Wait::after>)->Name("RunAfter")->Apply(args);

}  // namespace

BENCHMARK_MAIN();
