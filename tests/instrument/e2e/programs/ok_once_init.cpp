// Race-free: a lazily built table behind weft::Once, read by several goroutines.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

struct Table {
  int squares[10];
};

Table* table = nullptr;
weft::Once* once = nullptr;

void build() {
  table = new Table;
  for (int i = 0; i < 10; ++i) table->squares[i] = i * i;
}

int lookup(int i) {
  once->do_(build);
  return table->squares[i];
}

void program() {
  weft::Once o;
  once = &o;
  table = nullptr;
  auto out = weft::make_chan<int>(3);
  for (int i = 1; i <= 3; ++i) weft::go([out, i] { out.send(lookup(i * 3)); });
  int sum = out.recv() + out.recv() + out.recv();
  std::printf("sum=%d\n", sum);
  delete table;
}

WEFT_E2E_MAIN(program)
