// Racy: a local captured by reference is written by a goroutine and read by main before it
// waits for the goroutine.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

void program() {
  int hits = 0;
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&] {
    hits = 7;  // RACE: program::<lambda>
    wg.done();
  });
  int early = hits;  // RACE: program
  wg.wait();
  std::printf("early=%d hits=%d\n", early, hits);
}

WEFT_E2E_MAIN(program)
