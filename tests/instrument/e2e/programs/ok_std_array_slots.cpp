// Race-free: goroutines fill distinct slots of a std::array, then the parent sums them after
// WaitGroup::wait. A std::array holds its elements inline, so indexing it must not count as
// reading the whole array (which would conflict with the other slots' writes).
#include <array>
#include <cstdio>
#include <numeric>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

void program() {
  std::array<int, 4> squares{};
  weft::WaitGroup wg;
  for (int i = 0; i < 4; ++i) {
    wg.add(1);
    weft::go([&squares, &wg, i] {
      squares[i] = i * i;
      squares.at(static_cast<std::size_t>(i)) += 1;
      wg.done();
    });
  }
  wg.wait();
  std::printf("sum=%d size=%zu\n", std::accumulate(squares.begin(), squares.end(), 0),
              squares.size());
}

WEFT_E2E_MAIN(program)
