// Race-free: adjacent members of one struct owned by different goroutines (no false
// sharing reports: the detector works per byte), joined by channels.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

struct Counters {
  int reads = 0;
  int writes = 0;
  short flags[2] = {0, 0};
};

void program() {
  Counters c;
  auto done = weft::make_chan<int>(2);
  weft::go([&c, done] {
    for (int i = 0; i < 3; ++i) c.reads++;
    c.flags[0] = 1;
    done.send(0);
  });
  weft::go([&c, done] {
    for (int i = 0; i < 2; ++i) c.writes += 2;
    c.flags[1] = 2;
    done.send(1);
  });
  done.recv();
  done.recv();
  std::printf("reads=%d writes=%d flags=%d%d\n", c.reads, c.writes, c.flags[0], c.flags[1]);
}

WEFT_E2E_MAIN(program)
