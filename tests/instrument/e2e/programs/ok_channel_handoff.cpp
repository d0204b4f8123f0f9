// Race-free: ownership of a heap buffer moves through a channel; only the owner touches it.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

struct Batch {
  int values[6];
  int count = 0;
};

void fill(weft::Chan<Batch*> out) {
  Batch* b = new Batch;
  for (int i = 0; i < 6; ++i) b->values[b->count++] = i * i;
  out.send(b);
}

int drain(weft::Chan<Batch*> in) {
  Batch* b = in.recv();
  int sum = 0;
  for (int i = 0; i < b->count; ++i) sum += b->values[i];
  delete b;
  return sum;
}

void program() {
  auto ch = weft::make_chan<Batch*>();
  weft::go(fill, ch);
  std::printf("sum=%d\n", drain(ch));
}

WEFT_E2E_MAIN(program)
