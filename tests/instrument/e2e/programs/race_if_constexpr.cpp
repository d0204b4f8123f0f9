// Racy: the unchecked path of a policy template counts hits with no lock. The access is
// inside an `if constexpr` branch that only one of the two instantiations keeps, so it is
// instrumented only if the instrumenter lets the instantiations that discarded it abstain.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

struct Stats {
  weft::Mutex mu;
  int hits = 0;
  int checked = 0;
};

template <bool Locked>
void record(Stats& s) {
  if constexpr (Locked) {
    std::lock_guard lock(s.mu);
    ++s.checked;
  } else {
    ++s.hits;  // RACE x2: record
  }
}

void program() {
  Stats s;
  weft::WaitGroup wg;
  wg.add(2);
  for (int i = 0; i < 2; ++i)
    weft::go([&] {
      record<true>(s);
      record<false>(s);
      wg.done();
    });
  wg.wait();
  std::printf("%d %d\n", s.hits, s.checked);
}

WEFT_E2E_MAIN(program)
