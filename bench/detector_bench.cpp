// detector_bench.cpp — the race detector's cost per memory access (ns/access):
// the same-goroutine hot path (same epoch, and a fresh epoch per access), a sweep over many
// variables, and the shared-read path where several goroutines read one variable.
#include <weft/detector/detector.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>

namespace {

using weft::det::Access;
using weft::det::Detector;
using weft::det::Loc;

const Loc kSite{"detector_bench.cpp", "bench", 1, 1};
const void* addr(std::uintptr_t a) { return reinterpret_cast<const void*>(a); }
constexpr std::uintptr_t kVar = 0x10000;

void start(Detector& d, int goroutines) {
  d.go_start(1, 0, "main", kSite);
  for (int g = 2; g <= goroutines; ++g) d.go_start(static_cast<std::uint64_t>(g), 1, "", kSite);
}

// One goroutine, one variable, one epoch: FastTrack's "same epoch" exit.
void BM_SameEpoch(benchmark::State& state) {
  const Access kind = state.range(0) ? Access::write : Access::read;
  Detector d;
  start(d, 1);
  for (auto _ : state) d.access(1, addr(kVar), 8, kind, kSite);
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(kind == Access::write ? "write" : "read");
}
BENCHMARK(BM_SameEpoch)->Arg(0)->Arg(1);

// A release alone (its goroutine's epoch advances), the baseline for BM_ReleaseThenAccess.
void BM_Release(benchmark::State& state) {
  Detector d;
  start(d, 1);
  for (auto _ : state) d.release(1, addr(0x900000));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Release);

// A release, then an access in the new epoch: subtract BM_Release for the access itself.
void BM_ReleaseThenAccess(benchmark::State& state) {
  const Access kind = state.range(0) ? Access::write : Access::read;
  Detector d;
  start(d, 1);
  for (auto _ : state) {
    d.release(1, addr(0x900000));
    d.access(1, addr(kVar), 8, kind, kSite);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(kind == Access::write ? "write" : "read");
}
BENCHMARK(BM_ReleaseThenAccess)->Arg(0)->Arg(1);

// One goroutine sweeping an array of 8-byte variables (a shadow lookup per access).
void BM_Sweep(benchmark::State& state) {
  const auto n = static_cast<std::uintptr_t>(state.range(0));
  Detector d;
  start(d, 1);
  std::uintptr_t i = 0;
  for (auto _ : state) {
    d.access(1, addr(kVar + 8 * i), 8, Access::write, kSite);
    i = i + 1 == n ? 0 : i + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sweep)->Arg(1 << 10)->Arg(1 << 16);

// `goroutines` concurrent readers of one variable, taking turns: the read-set path.
void BM_SharedRead(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  Detector d;
  start(d, static_cast<int>(n) + 1);
  std::uint64_t g = 2;
  for (auto _ : state) {
    d.access(g, addr(kVar), 8, Access::read, kSite);
    g = g == n + 1 ? 2 : g + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SharedRead)->Arg(2)->Arg(16)->Arg(256);

}  // namespace

BENCHMARK_MAIN();
