// Racy: a CRTP base counts through the derived class's member with no lock. The access is in
// the base template and names the derived type's member through static_cast<Derived*>(this).
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

template <class Derived>
struct Counted {
  void hit() {
    static_cast<Derived*>(this)->count_ += 1;  // RACE x2: Counted::hit
  }
  int seen() const { return static_cast<const Derived*>(this)->count_; }
};

struct Requests : Counted<Requests> {
  int count_ = 0;
};

void program() {
  Requests r;
  weft::WaitGroup wg;
  wg.add(2);
  for (int i = 0; i < 2; ++i)
    weft::go([&] {
      r.hit();
      wg.done();
    });
  wg.wait();
  std::printf("%d\n", r.seen());
}

WEFT_E2E_MAIN(program)
