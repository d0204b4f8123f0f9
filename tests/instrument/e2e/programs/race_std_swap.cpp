// Racy: two goroutines rotate shared slots with std::swap and std::exchange. The writes
// happen inside the standard library, which is not instrumented; the calls record them.
#include <cstdio>
#include <utility>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

int front_slot = 1;
int back_slot = 2;

void rotate() {
  std::swap(front_slot, back_slot);  // RACE: rotate
}

void reset() {
  int old = std::exchange(front_slot, 0);  // RACE: reset
  std::printf("old=%d\n", old > 0 ? 1 : 0);
}

void program() {
  front_slot = 1;
  back_slot = 2;
  auto done = weft::make_chan<int>(2);
  weft::go([done] {
    rotate();  // CALL: program::<lambda>
    done.send(0);
  });
  weft::go([done] {
    reset();  // CALL: program::<lambda>
    done.send(0);
  });
  done.recv();
  done.recv();
  std::printf("sum=%d\n", front_slot + back_slot > 0 ? 1 : 0);
}

WEFT_E2E_MAIN(program)
