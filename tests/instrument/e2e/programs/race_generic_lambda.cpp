// Racy: a generic lambda, instantiated for two argument types, bumps what it is given; the
// int instantiation runs in two goroutines on the same counter.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

void program() {
  int hits = 0;
  long bytes = 0;
  auto bump = [](auto& counter, auto by) {
    counter += by;  // RACE x2: program::<lambda>
  };
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    bump(hits, 1);
    bump(bytes, 512L);
    wg.done();
  });
  weft::go([&] {
    bump(hits, 1);
    wg.done();
  });
  wg.wait();
  std::printf("%d %ld\n", hits, bytes);
}

WEFT_E2E_MAIN(program)
