// BUG: a lost update on a shared counter.
//
// Two goroutines each add one to a plain int by reading it, then writing back what they
// read plus one. If both read before either writes, both write 1 and an increment is lost.
// The weft::yield() between the read and the write is where the scheduler may switch, and
// the explorer tries schedules until it finds the one that breaks the check. The fix is a
// Mutex around the read-modify-write (mutex-counter) or an Atomic (atomic-counter).
// weft-examples is built through weft-instrument when Clang 16 is installed: the race
// detector then sees the plain accesses to `counter` and reports a data race at the second
// goroutine's access, before the check can fail. Without instrumentation the failed check
// is what shows the bug.
#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::bug_lost_update {

void run() {
  int counter = 0;
  weft::WaitGroup wg;
  for (int g = 0; g < 2; ++g) {
    wg.add(1);
    weft::go([&counter, &wg] {
      int v = counter;  // read ...
      weft::yield();    // ... another goroutine may run here ...
      counter = v + 1;  // ... and write back a stale value
      wg.done();
    });
  }
  wg.wait();
  weft::check(counter == 2, "two increments should make 2");
}

}  // namespace weft_examples::bug_lost_update
