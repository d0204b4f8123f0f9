// Racy: workers accumulate into a total passed by reference; one worker forgets the lock.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

weft::Mutex total_mu;

void careful_add(long& total, long n) {
  total_mu.lock();
  total += n;  // RACE: careful_add
  total_mu.unlock();
}

void hasty_add(long& total, long n) {
  total += n;  // RACE: hasty_add
}

void program() {
  long total = 0;
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    careful_add(total, 3);
    wg.done();
  });
  weft::go([&] {
    hasty_add(total, 4);
    wg.done();
  });
  wg.wait();
  std::printf("total=%ld\n", total);
}

WEFT_E2E_MAIN(program)
