// Goroutines and the fork-join model.
//
// weft::go starts a function in a new goroutine, a lightweight thread that the runtime
// schedules; nothing waits for it unless you say so. The usual way to say so is a
// WaitGroup: add(1) before each go (never inside the goroutine, or wait() could run before
// the add), done() when the goroutine finishes, wait() to block until the count is zero.
// Fork the workers, join them, then use what they produced. Each worker here writes only
// its own slot, and Done happens before the Wait it releases returns, so the parent reads
// every slot safely after wait().
#include <array>
#include <numeric>

#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::goroutines {

void run() {
  constexpr int kWorkers = 4;
  std::array<int, kWorkers> squares{};
  weft::WaitGroup wg;
  for (int i = 0; i < kWorkers; ++i) {
    wg.add(1);                          // fork: count the goroutine before starting it
    weft::go([&squares, &wg, i] {
      squares[i] = i * i;               // only this goroutine touches squares[i]
      wg.done();
    });
  }
  wg.wait();                            // join: every done() has happened
  int sum = std::accumulate(squares.begin(), squares.end(), 0);
  weft::check(sum == 0 + 1 + 4 + 9, "the workers' squares add up to 14");
}

}  // namespace weft_examples::goroutines
