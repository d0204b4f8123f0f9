// Racy: a plain int progress counter that workers bump through std::atomic_ref (correct
// among themselves), while the main thread, "knowing" the workers are busy, resets it with a
// plain store before joining them. The atomic_ref side is atomic, the reset is not: an
// unordered plain write and atomic read-modify-write of one int are a data race.
#include <atomic>
#include <cstdio>
#include <thread>

#include "e2e_main.hpp"

int progress = 0;

void step() {
  std::atomic_ref<int> p(progress);
  p.fetch_add(1, std::memory_order_relaxed);  // RACE: step
}

void program() {
  progress = 0;
  std::thread a(step);
  std::thread b(step);
  progress = 0;  // RACE: program
  a.join();
  b.join();
  std::printf("progress at most 2: %d\n", progress <= 2 ? 1 : 0);
}

WEFT_E2E_MAIN(program)
