// The controlled scheduler's speed: scheduling decisions per second and explored
// iterations per second for a small body (3 goroutines, an unbuffered ping-pong of 10
// messages). Run: build/release/bench/explore_bench
#include <benchmark/benchmark.h>

#include "weft/weft.hpp"

namespace {

void pingpong_body() {
  auto ping = weft::make_chan<int>();
  auto pong = weft::make_chan<int>();
  auto done = weft::make_chan<weft::Unit>();
  weft::go([=] {
    for (int i = 0; i < 10; ++i) pong.send(ping.recv() + 1);
  });
  weft::go([=] {
    int v = 0;
    for (int i = 0; i < 10; ++i) {
      ping.send(v);
      v = pong.recv();
    }
    done.close();
  });
  done.recv();
}

weft::ExploreOptions options(std::uint64_t iterations, bool detect = false,
                             weft::StrategyKind strategy = weft::StrategyKind::random) {
  weft::ExploreOptions o;
  o.strategy = strategy;
  o.iterations = iterations;
  o.use_environment = false;
  o.detect_races = detect;
  return o;
}

// Iterations/s is items/s; decisions/s and steps/s are counters.
// Arg 0: iterations per explore call; arg 1: race detection on (1) or off (0); arg 2: the
// strategy, as weft::StrategyKind's value (0 random, 1 pct, 4 pos,
// 5 portfolio, 6 surw, 7 urw, 8 mutate).
void BM_ExplorePingPong(benchmark::State& state) {
  const std::uint64_t per_run = static_cast<std::uint64_t>(state.range(0));
  const bool detect = state.range(1) != 0;
  const auto strategy = static_cast<weft::StrategyKind>(state.range(2));
  std::uint64_t decisions = 0, steps = 0, iterations = 0;
  for (auto _ : state) {
    auto r = weft::explore(pingpong_body, options(per_run, detect, strategy));
    if (!r.ok()) state.SkipWithError("exploration failed");
    decisions += r.decisions;
    steps += r.steps;
    iterations += r.iterations;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(iterations));
  state.counters["decisions/s"] =
      benchmark::Counter(static_cast<double>(decisions), benchmark::Counter::kIsRate);
  state.counters["steps/s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
  state.counters["decisions/iter"] =
      static_cast<double>(decisions) / static_cast<double>(iterations ? iterations : 1);
}
BENCHMARK(BM_ExplorePingPong)
    ->Args({1000, 0, 0})
    ->Args({1000, 1, 0})
    ->ArgNames({"iters", "detect", "strategy"})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExplorePingPong)
    ->Args({1000, 0, static_cast<int>(weft::StrategyKind::pct)})
    ->Args({1000, 0, static_cast<int>(weft::StrategyKind::pos)})
    ->Args({1000, 0, static_cast<int>(weft::StrategyKind::portfolio)})
    ->Args({1000, 0, static_cast<int>(weft::StrategyKind::surw)})
    ->Args({1000, 0, static_cast<int>(weft::StrategyKind::urw)})
    ->Args({1000, 0, static_cast<int>(weft::StrategyKind::mutate)})
    ->ArgNames({"iters", "detect", "strategy"})
    ->Unit(benchmark::kMillisecond);

// The raw cost of a switch between two goroutines through the scheduler: every yield
// with another goroutine runnable is a decision, usually a switch. Arg: the strategy, as in
// BM_ExplorePingPong (2 is dfs, with its default bound). The portfolio runs four
// iterations per call, one of each member (urw, pos, pct:3, surw); the others one.
void BM_YieldDecision(benchmark::State& state) {
  const auto strategy = static_cast<weft::StrategyKind>(state.range(0));
  const std::uint64_t iterations = strategy == weft::StrategyKind::portfolio ? 4 : 1;
  std::uint64_t decisions = 0;
  for (auto _ : state) {
    auto r = weft::explore(
        [] {
          auto done = weft::make_chan<weft::Unit>(1);
          weft::go([=] {
            for (int i = 0; i < 10000; ++i) weft::yield();
            done.send({});
          });
          for (int i = 0; i < 10000; ++i) weft::yield();
          done.recv();
        },
        options(iterations, false, strategy));
    decisions += r.decisions;
  }
  state.counters["decisions/s"] =
      benchmark::Counter(static_cast<double>(decisions), benchmark::Counter::kIsRate);
  state.counters["ns/decision"] = benchmark::Counter(
      static_cast<double>(decisions), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_YieldDecision)
    ->Arg(static_cast<int>(weft::StrategyKind::random))
    ->Arg(static_cast<int>(weft::StrategyKind::pct))
    ->Arg(static_cast<int>(weft::StrategyKind::pos))
    ->Arg(static_cast<int>(weft::StrategyKind::surw))
    ->Arg(static_cast<int>(weft::StrategyKind::urw))
    ->Arg(static_cast<int>(weft::StrategyKind::mutate))
    ->Arg(static_cast<int>(weft::StrategyKind::portfolio))
    ->Arg(static_cast<int>(weft::StrategyKind::dfs))
    ->ArgName("strategy")
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
