// Race-free: a buffered channel of capacity 1 used as a lock around a shared struct.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

struct Tally {
  int odd = 0;
  int even = 0;
};

void count(Tally& t, weft::Chan<weft::Unit> sem, int v) {
  sem.send({});
  if (v % 2) t.odd++;
  else t.even++;
  sem.recv();
}

void program() {
  Tally t;
  auto sem = weft::make_chan<weft::Unit>(1);
  weft::WaitGroup wg;
  wg.add(5);
  for (int v = 0; v < 5; ++v)
    weft::go([&t, &wg, sem, v] {
      count(t, sem, v);
      wg.done();
    });
  wg.wait();
  std::printf("odd=%d even=%d\n", t.odd, t.even);
}

WEFT_E2E_MAIN(program)
