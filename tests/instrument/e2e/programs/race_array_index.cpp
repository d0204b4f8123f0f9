// Racy: each worker should own one slot of a global array, but the index is computed
// with an off-by-one so workers 1 and 2 share slot 1.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

int slots[4];

int slot_for(int worker) { return worker == 0 ? 0 : (worker + 1) / 2; }

void fill(int worker, weft::WaitGroup* wg) {
  slots[slot_for(worker)] = worker * 10;  // RACE x2: fill
  wg->done();
}

void program() {
  for (int& s : slots) s = -1;
  weft::WaitGroup wg;
  wg.add(3);
  for (int w = 0; w < 3; ++w) weft::go(fill, w, &wg);
  wg.wait();
  std::printf("%d %d %d %d\n", slots[0], slots[1], slots[2], slots[3]);
}

WEFT_E2E_MAIN(program)
