// Racy: a plain bool used as a "stop" flag between goroutines (Go's classic busy flag).
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

bool stop_requested = false;

int spin_worker() {
  int rounds = 0;
  while (!stop_requested && rounds < 5) {  // RACE: spin_worker
    ++rounds;
    weft::yield();
  }
  return rounds;
}

void request_stop() {
  stop_requested = true;  // RACE: request_stop
}

void program() {
  stop_requested = false;
  auto out = weft::make_chan<int>(1);
  weft::go([out] { out.send(spin_worker()); });
  request_stop();
  std::printf("rounds=%d\n", out.recv());
}

WEFT_E2E_MAIN(program)
