// Racy: two goroutines update the same slot of a std::array without a lock; and a fill()
// of the whole array conflicts with them too.
#include <array>
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

std::array<int, 4> hits{};

void hit(int slot) {
  hits[static_cast<std::size_t>(slot)] += 1;  // RACE x2: hit
}

void program() {
  hits.fill(0);
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&wg] { hit(2); wg.done(); });
  weft::go([&wg] { hit(2); wg.done(); });
  wg.wait();
  std::printf("hits=%d\n", hits[2]);
}

WEFT_E2E_MAIN(program)
