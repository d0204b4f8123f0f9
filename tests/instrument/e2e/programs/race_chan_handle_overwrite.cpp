// Racy: a worker replaces the node's channel handle while another goroutine sends on the
// old one through the same variable. The channel operations are synchronised; the handle
// variable is not, so the assignment and the read of the handle race.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

struct Node {
  weft::Chan<int> ch;
};

void program() {
  Node n;
  n.ch = weft::make_chan<int>(4);
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    n.ch = weft::make_chan<int>(4);  // RACE: program::<lambda>
    wg.done();
  });
  weft::go([&] {
    n.ch.send(1);  // RACE: program::<lambda>
    wg.done();
  });
  wg.wait();
  std::printf("len=%zu\n", n.ch.len());
}

WEFT_E2E_MAIN(program)
