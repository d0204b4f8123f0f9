// Race-free twin of race_std_atomic_plain_read: the monitor reads the counter through its
// plain alias only once that is ordered after every atomic update: after the worker is
// joined, and after an acquire load that sees a release flag set behind the last update.
#include <atomic>
#include <cstdio>
#include <thread>

#include "e2e_main.hpp"

std::atomic<int> hits{0};
std::atomic<bool> done{false};

void worker() {
  for (int i = 0; i < 2; ++i) hits.fetch_add(1, std::memory_order_relaxed);
  done.store(true, std::memory_order_release);
}

int peek(const std::atomic<int>& counter) {
  const int* raw = reinterpret_cast<const int*>(&counter);
  return *raw;
}

void program() {
  hits = 0;
  done = false;
  std::thread t(worker);
  while (!done.load(std::memory_order_acquire)) std::this_thread::yield();
  const int before_join = peek(hits);
  t.join();
  const int after_join = peek(hits);
  std::printf("seen: %d %d\n", before_join, after_join);
}

WEFT_E2E_MAIN(program)
