// Signal channels: closing a Chan<Unit> as a broadcast.
//
// A channel whose values carry no data (Chan<Unit>, Go's chan struct{}) is a signal. A
// send wakes one receiver; close() wakes every receiver, now and later, because a receive
// from a closed channel never blocks. So closing is a broadcast: here every worker waits
// for a start signal, main prepares the shared settings and closes `start`, and all the
// workers go at once. The close happens before each receive it releases, so the workers
// see the settings main wrote before closing.
#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::signal_channel {

void run() {
  constexpr int kWorkers = 3;
  auto start = weft::make_chan<weft::Unit>();
  auto results = weft::make_chan<int>();
  int scale = 0;  // written by main before the signal, read by the workers after it

  for (int id = 1; id <= kWorkers; ++id) {
    weft::go([start, results, &scale, id] {
      start.recv();  // blocks until start is closed
      results.send(id * scale);
    });
  }
  scale = 10;
  start.close();  // wakes all three workers

  int sum = 0;
  for (int i = 0; i < kWorkers; ++i) sum += results.recv();
  weft::check(sum == 60, "every worker saw scale == 10");
}

}  // namespace weft_examples::signal_channel
