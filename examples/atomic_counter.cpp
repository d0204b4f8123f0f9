// Atomic counters.
//
// For a single counter or flag, weft::Atomic (Go's sync/atomic) is simpler than a mutex:
// fetch_add / add make the whole read-modify-write one indivisible step, so no increment
// is lost however the goroutines interleave. compare_exchange changes a value only if it
// still holds what you expect, which makes "the first one wins" decisions: exactly one
// goroutine here claims the prize. After wg.wait(), plain loads see the final values.
#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::atomic_counter {

void run() {
  constexpr int kGoroutines = 4;
  constexpr int kHits = 5;
  weft::Atomic<int> hits{0};
  weft::Atomic<int> winner{0};  // 0: nobody yet
  weft::Atomic<int> winners{0};
  weft::WaitGroup wg;
  for (int id = 1; id <= kGoroutines; ++id) {
    wg.add(1);
    weft::go([&, id] {
      for (int i = 0; i < kHits; ++i) hits.fetch_add(1);
      int nobody = 0;
      if (winner.compare_exchange(nobody, id)) winners.add(1);
      wg.done();
    });
  }
  wg.wait();
  weft::check(hits.load() == kGoroutines * kHits, "every hit was counted");
  weft::check(winners.load() == 1 && winner.load() != 0, "exactly one goroutine won");
}

}  // namespace weft_examples::atomic_counter
