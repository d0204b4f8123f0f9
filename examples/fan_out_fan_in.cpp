// Fan-out and fan-in.
//
// Fan-out: several goroutines receive from the same channel, so the work spreads over
// them; each value goes to exactly one of them. Fan-in: merge() forwards several channels
// into one, and closes it once all of them are closed, counting the forwarders with a
// WaitGroup and closing from one more goroutine that waits for them. Which worker gets
// which value, and the order of the merged results, change from schedule to schedule; the
// set of results does not.
#include <memory>
#include <vector>

#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::fan_out_fan_in {

namespace {

weft::RecvChan<int> square_worker(weft::RecvChan<int> in) {
  auto out = weft::make_chan<int>();
  weft::go([in, out] {
    for (int v : in) out.send(v * v);
    out.close();
  });
  return out;
}

// One channel carrying every value of `inputs`; closed when all of them are.
weft::RecvChan<int> merge(const std::vector<weft::RecvChan<int>>& inputs) {
  auto out = weft::make_chan<int>();
  auto wg = std::make_shared<weft::WaitGroup>();
  wg->add(static_cast<std::int64_t>(inputs.size()));
  for (const auto& in : inputs) {
    weft::go([in, out, wg] {
      for (int v : in) out.send(v);
      wg->done();
    });
  }
  weft::go([out, wg] {
    wg->wait();
    out.close();
  });
  return out;
}

}  // namespace

void run() {
  auto numbers = weft::make_chan<int>();
  weft::go([numbers] {
    for (int i = 1; i <= 6; ++i) numbers.send(i);
    numbers.close();
  });

  std::vector<weft::RecvChan<int>> squares;  // fan out to three workers
  for (int w = 0; w < 3; ++w) squares.push_back(square_worker(numbers));

  int count = 0;
  int sum = 0;
  for (int v : merge(squares)) {  // fan in
    ++count;
    sum += v;
  }
  weft::check(count == 6 && sum == 91, "each square of 1..6 arrives exactly once");
}

}  // namespace weft_examples::fan_out_fan_in
