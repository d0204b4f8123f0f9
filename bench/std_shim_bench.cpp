// What serving std::thread code under explore costs (runtime/src/std_shim.hpp):
//  - outside any run, every pthread_mutex_lock/unlock in a program that links weft passes
//    weft's definition before the C library's: BM_StdMutexOutsideRun against
//    BM_LibcMutexDirect (the C library's function called through its own pointer);
//  - inside a run, a std::mutex lock/unlock pair against a weft::Mutex pair, and a
//    std::thread start+join against weft::go + WaitGroup, per explored iteration.
// Run: build/rel/bench/std_shim_bench
#include <benchmark/benchmark.h>

#include <dlfcn.h>
#include <pthread.h>

#include <mutex>
#include <thread>

#include "weft/weft.hpp"

namespace {

void BM_StdMutexOutsideRun(benchmark::State& state) {
  std::mutex mu;
  for (auto _ : state) {
    mu.lock();
    mu.unlock();
  }
}
BENCHMARK(BM_StdMutexOutsideRun);

void BM_LibcMutexDirect(benchmark::State& state) {
  using Fn = int (*)(pthread_mutex_t*);
  static const auto lock = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "pthread_mutex_lock"));
  static const auto unlock = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "pthread_mutex_unlock"));
  pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  for (auto _ : state) {
    lock(&mu);
    unlock(&mu);
  }
}
BENCHMARK(BM_LibcMutexDirect);

weft::ExploreOptions options() {
  weft::ExploreOptions o;
  o.iterations = 1;
  o.use_environment = false;
  o.detect_races = false;
  return o;
}

constexpr int kPairs = 1000;

// Items are lock/unlock pairs, in one goroutine (every operation is a visible operation).
void BM_StdMutexPairInRun(benchmark::State& state) {
  for (auto _ : state) {
    auto r = weft::explore(
        [] {
          std::mutex mu;
          for (int i = 0; i < kPairs; ++i) {
            mu.lock();
            mu.unlock();
          }
        },
        options());
    if (!r.ok()) state.SkipWithError("exploration failed");
  }
  state.SetItemsProcessed(state.iterations() * kPairs);
}
BENCHMARK(BM_StdMutexPairInRun);

void BM_WeftMutexPairInRun(benchmark::State& state) {
  for (auto _ : state) {
    auto r = weft::explore(
        [] {
          weft::Mutex mu;
          for (int i = 0; i < kPairs; ++i) {
            mu.lock();
            mu.unlock();
          }
        },
        options());
    if (!r.ok()) state.SkipWithError("exploration failed");
  }
  state.SetItemsProcessed(state.iterations() * kPairs);
}
BENCHMARK(BM_WeftMutexPairInRun);

constexpr int kThreads = 100;

// Items are threads (goroutines) started and joined.
void BM_StdThreadStartJoinInRun(benchmark::State& state) {
  for (auto _ : state) {
    auto r = weft::explore(
        [] {
          for (int i = 0; i < kThreads; ++i) std::thread([] {}).join();
        },
        options());
    if (!r.ok()) state.SkipWithError("exploration failed");
  }
  state.SetItemsProcessed(state.iterations() * kThreads);
}
BENCHMARK(BM_StdThreadStartJoinInRun);

void BM_WeftGoWaitInRun(benchmark::State& state) {
  for (auto _ : state) {
    auto r = weft::explore(
        [] {
          for (int i = 0; i < kThreads; ++i) {
            weft::WaitGroup wg;
            wg.add(1);
            weft::go([&wg] { wg.done(); });
            wg.wait();
          }
        },
        options());
    if (!r.ok()) state.SkipWithError("exploration failed");
  }
  state.SetItemsProcessed(state.iterations() * kThreads);
}
BENCHMARK(BM_WeftGoWaitInRun);

}  // namespace
BENCHMARK_MAIN();
