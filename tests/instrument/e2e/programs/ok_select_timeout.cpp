// Race-free: a worker's result lands in a captured local only after a channel receive;
// a select with a timer bounds the wait.
#include <chrono>
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

void program() {
  int answer = -1;
  int timeouts = 0;
  auto results = weft::make_chan<int>(1);
  weft::go([results] {
    weft::sleep(5ms);
    results.send(42);
  });
  for (int round = 0; round < 3 && answer < 0; ++round) {
    weft::select(weft::recv_case(results, [&](int v) { answer = v; }),
                 weft::recv_case(weft::after(2ms), [&] { ++timeouts; }));
  }
  std::printf("answer=%d timeouts=%d\n", answer, timeouts);
}

WEFT_E2E_MAIN(program)
