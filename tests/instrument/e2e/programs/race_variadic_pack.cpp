// Racy: a variadic template adds to every counter of its pack in a fold expression; two
// goroutines pass the same counter and neither locks.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

template <class... Counters>
void add_all(int n, Counters&... counters) {
  ((counters += n), ...);  // RACE x2: add_all
}

int shared_total = 0;

void program() {
  long mine = 0;
  short theirs = 0;
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    add_all(1, mine, shared_total);
    wg.done();
  });
  weft::go([&] {
    add_all(2, shared_total, theirs);
    wg.done();
  });
  wg.wait();
  std::printf("%ld %d %d\n", mine, shared_total, theirs);
}

WEFT_E2E_MAIN(program)
