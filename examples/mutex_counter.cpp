// Shared memory protected by a Mutex.
//
// When goroutines do share a variable, a Mutex makes each read-modify-write a critical
// section that one goroutine at a time can be in. Keep the mutex next to the data it
// guards, and hold it with std::lock_guard so every path unlocks. The weft::yield() inside
// the critical section invites the scheduler to switch goroutines at the worst moment; the
// lock keeps the others out, so no increment is lost. Compare bug-lost-update, the same
// loop without the lock.
#include <mutex>

#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::mutex_counter {

namespace {

struct Counter {
  weft::Mutex mu;
  int value = 0;  // guarded by mu

  void increment() {
    std::lock_guard lock(mu);
    int v = value;
    weft::yield();  // another goroutine may run here, but cannot enter
    value = v + 1;
  }
};

}  // namespace

void run() {
  constexpr int kGoroutines = 4;
  constexpr int kIncrements = 3;
  Counter counter;
  weft::WaitGroup wg;
  for (int g = 0; g < kGoroutines; ++g) {
    wg.add(1);
    weft::go([&counter, &wg] {
      for (int i = 0; i < kIncrements; ++i) counter.increment();
      wg.done();
    });
  }
  wg.wait();
  std::lock_guard lock(counter.mu);
  weft::check(counter.value == kGoroutines * kIncrements, "no increment was lost");
}

}  // namespace weft_examples::mutex_counter
