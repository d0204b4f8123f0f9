// run_scaling_bench — does weft::run's throughput grow with processors? Independent ping-pong
// pairs (two goroutines bouncing a value over two unbuffered channels, nothing shared between
// pairs) on `procs` logical processors; one item = one round trip. With as many pairs as
// processors or more, the pairs should spread over the processors (work stealing) and the
// round trips per second grow with the processors up to the machine's cores; beyond the
// cores (procs 4, 8, 64 on a 2-core machine) throughput must not collapse.
//
//   build/release/bench/run_scaling_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "weft/weft.hpp"

namespace {

constexpr long kRounds = 20'000;  // round trips per pair and benchmark iteration

void BM_IndependentPingPongPairs(benchmark::State& state) {
  const auto procs = static_cast<unsigned>(state.range(0));
  const auto pairs = static_cast<int>(state.range(1));
  weft::RunOptions o;
  o.procs = procs;
  o.use_environment = false;
  for (auto _ : state) {
    int status = weft::run([pairs] {
      weft::WaitGroup wg;
      wg.add(pairs);
      for (int p = 0; p < pairs; ++p) {
        auto ping = weft::make_chan<long>(), pong = weft::make_chan<long>();
        weft::go([ping, pong] {
          for (long v : ping) pong.send(v + 1);
        });
        weft::go([ping, pong, &wg] {
          long sum = 0;
          for (long i = 0; i < kRounds; ++i) {
            ping.send(i);
            sum += pong.recv();
          }
          ping.close();
          benchmark::DoNotOptimize(sum);
          wg.done();
        });
      }
      wg.wait();
    }, o);
    if (status != 0) {
      std::fprintf(stderr, "run_scaling_bench: weft::run failed with status %d\n", status);
      std::exit(1);
    }
  }
  state.SetItemsProcessed(state.iterations() * pairs * kRounds);
  state.counters["procs"] = procs;
}

BENCHMARK(BM_IndependentPingPongPairs)
    ->ArgNames({"procs", "pairs"})
    ->Args({1, 2})
    ->Args({2, 2})
    ->Args({1, 16})
    ->Args({2, 16})
    ->Args({4, 16})
    ->Args({8, 16})
    ->Args({64, 64})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
