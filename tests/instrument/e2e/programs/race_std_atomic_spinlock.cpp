// Racy: a spinlock that tests, then sets, as two atomic operations. Another thread can pass
// the test between them, and both run the critical section: the increments race. Only an
// explorer that schedules at each atomic operation sees the two threads inside at once.
#include <atomic>
#include <cstdio>
#include <thread>

#include "e2e_main.hpp"

class Spinlock {
 public:
  void lock() {
    while (locked_.load(std::memory_order_acquire)) std::this_thread::yield();
    locked_.store(true, std::memory_order_relaxed);  // the bug: not one test_and_set
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

Spinlock lock;
long hits = 0;

void worker() {
  lock.lock();
  ++hits;  // RACE x2: worker
  lock.unlock();
}

void program() {
  hits = 0;
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  std::printf("hits=%ld\n", hits);
}

WEFT_E2E_MAIN(program)
