// Racy: WaitGroup.Add inside the goroutine (Go's classic mistake): main's Wait can return
// before the worker has even registered, then read the result. Without instrumentation weft
// still reports the misuse itself (Go's WaitGroup rule: Add from zero unordered with Wait).
// PLAIN: This is WaitGroup misuse
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

int result;

void worker(weft::WaitGroup* wg) {
  wg->add(1);
  result = 42;  // RACE: worker
  wg->done();
}

void program() {
  result = 0;
  weft::WaitGroup wg;
  weft::go(worker, &wg);
  weft::yield();
  wg.wait();
  std::printf("result=%d\n", result);  // RACE: program
  weft::sleep(std::chrono::milliseconds(1));
}

WEFT_E2E_MAIN(program)
