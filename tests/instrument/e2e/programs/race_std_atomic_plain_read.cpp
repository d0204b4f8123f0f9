// Racy: a statistics counter kept in a std::atomic<int>, bumped by a worker with an atomic
// read-modify-write, and read by a monitor through a plain int alias of the same bytes (a
// "cheap" peek that skips the atomic load). The atomic side does not make the plain read
// safe: an atomic store and a non-atomic read of one object, unordered, are a data race.
#include <atomic>
#include <cstdio>
#include <thread>

#include "e2e_main.hpp"

std::atomic<int> hits{0};

void worker() {
  for (int i = 0; i < 2; ++i) hits.fetch_add(1, std::memory_order_relaxed);  // RACE: worker
}

int peek(const std::atomic<int>& counter) {
  const int* raw = reinterpret_cast<const int*>(&counter);
  return *raw;  // RACE: peek
}

void program() {
  hits = 0;
  std::thread t(worker);
  const int seen = peek(hits);
  t.join();
  std::printf("seen at most 2: %d\n", seen <= 2 ? 1 : 0);
}

WEFT_E2E_MAIN(program)
