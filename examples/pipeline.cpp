// Pipelines: stages connected by channels.
//
// A pipeline is a chain of goroutines, each receiving from the stage before it and sending
// to the stage after it. Each stage owns its output channel: it creates it, hands out a
// receive-only view (RecvChan), and closes it once its input is closed and drained, so the
// end of the stream flows down the pipeline and every stage's range loop finishes. Stages
// compose: square(square(generate(4))) raises 1..4 to the fourth power.
#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::pipeline {

namespace {

// Sends 1..n, then closes.
weft::RecvChan<int> generate(int n) {
  auto out = weft::make_chan<int>();
  weft::go([out, n] {
    for (int i = 1; i <= n; ++i) out.send(i);
    out.close();
  });
  return out;
}

// Sends the square of each value it receives; closes when its input is done.
weft::RecvChan<int> square(weft::RecvChan<int> in) {
  auto out = weft::make_chan<int>();
  weft::go([in, out] {
    for (int v : in) out.send(v * v);
    out.close();
  });
  return out;
}

}  // namespace

void run() {
  int sum = 0;
  for (int v : square(square(generate(4)))) sum += v;
  weft::check(sum == 1 + 16 + 81 + 256, "sum of the fourth powers of 1..4");
}

}  // namespace weft_examples::pipeline
