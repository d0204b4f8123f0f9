// Racy: a default argument reads a global that another goroutine changes. The read is
// evaluated by the call, in the caller's goroutine, from text written at the declaration.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

int default_limit = 10;

int clamp(int v, int limit = default_limit) {  // RACE: clamp
  return v < limit ? v : limit;
}

void tune() {
  default_limit = 20;  // RACE: tune
}

void program() {
  default_limit = 10;
  auto done = weft::make_chan<int>(2);
  weft::go([done] { tune(); done.send(0); });
  weft::go([done] { done.send(clamp(5)); });
  int a = done.recv();
  int b = done.recv();
  std::printf("sum=%d\n", a + b);
}

WEFT_E2E_MAIN(program)
