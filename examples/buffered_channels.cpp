// Buffered channels: a queue with a capacity.
//
// make_chan<T>(n) holds up to n values: send() blocks only when the buffer is full and
// recv() only when it is empty, so a producer can run ahead of its consumer by n values.
// Values come out in the order they went in. len() and cap() report the fill and the
// capacity. Closing a buffered channel does not discard what it holds: receivers drain the
// rest, and only then see the channel as closed.
#include <vector>

#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::buffered_channels {

void run() {
  // With room in the buffer, sends need no receiver at all.
  auto q = weft::make_chan<int>(3);
  q.send(1);
  q.send(2);
  q.send(3);
  weft::check(q.len() == 3 && q.cap() == 3, "three values wait in a buffer of three");
  q.close();
  int sum = 0;
  for (int v : q) sum += v;  // drains the buffer, then stops because q is closed
  weft::check(sum == 6, "closing kept the buffered values");

  // A producer ahead of its consumer by at most two values; order is preserved.
  auto jobs = weft::make_chan<int>(2);
  weft::go([jobs] {
    for (int i = 0; i < 6; ++i) jobs.send(i);  // blocks while two are waiting
    jobs.close();
  });
  std::vector<int> got;
  for (int v : jobs) got.push_back(v);
  weft::check(got == std::vector<int>{0, 1, 2, 3, 4, 5}, "a channel is first in, first out");
}

}  // namespace weft_examples::buffered_channels
