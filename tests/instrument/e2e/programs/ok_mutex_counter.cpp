// Race-free: a global counter incremented by several goroutines under a Mutex.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

weft::Mutex mu;
int counter = 0;

void bump(int times, weft::WaitGroup* wg) {
  for (int i = 0; i < times; ++i) {
    mu.lock();
    ++counter;
    mu.unlock();
  }
  wg->done();
}

void program() {
  counter = 0;
  weft::WaitGroup wg;
  wg.add(3);
  for (int g = 1; g <= 3; ++g) weft::go(bump, g, &wg);
  wg.wait();
  std::printf("counter=%d\n", counter);
}

WEFT_E2E_MAIN(program)
