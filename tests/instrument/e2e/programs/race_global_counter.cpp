// Racy: two goroutines increment a global int with no synchronisation (a lost update).
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

int counter = 0;

void bump(weft::WaitGroup* wg) {
  counter++;  // RACE x2: bump
  wg->done();
}

void program() {
  counter = 0;
  weft::WaitGroup wg;
  wg.add(2);
  weft::go(bump, &wg);
  weft::go(bump, &wg);
  wg.wait();
  std::printf("counter=%d\n", counter);
}

WEFT_E2E_MAIN(program)
