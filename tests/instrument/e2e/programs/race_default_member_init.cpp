// Racy: a default member initialiser reads a global that another goroutine updates. The read
// happens inside the implicit constructor, in whichever goroutine builds the object.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

int generation = 1;

struct Request {
  int gen = generation;  // RACE: Request::Request
  int retries = 3;
};

void rotate() {
  generation += 1;  // RACE: rotate
}

void program() {
  generation = 1;
  auto done = weft::make_chan<int>(2);
  weft::go([done] { rotate(); done.send(0); });
  weft::go([done] {
    Request r;
    done.send(r.retries);
  });
  int total = done.recv() + done.recv();
  std::printf("retries=%d generation=%d\n", total, generation);
}

WEFT_E2E_MAIN(program)
