// Racy: a std::vector's first element is updated by a goroutine while main reads it.
#include <cstdio>
#include <vector>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

struct Histogram {
  std::vector<int> buckets = std::vector<int>(4, 0);

  void add(int v) {
    buckets[static_cast<std::size_t>(v) % buckets.size()] += 1;  // RACE: Histogram::add
  }
  int first() const {
    return buckets[0];  // RACE: Histogram::first
  }
};

void program() {
  Histogram h;
  auto done = weft::make_chan<weft::Unit>();
  weft::go([&h, done] {
    h.add(8);
    done.close();
  });
  int f = h.first();
  done.recv();
  std::printf("first=%d later=%d\n", f, h.first());
}

WEFT_E2E_MAIN(program)
