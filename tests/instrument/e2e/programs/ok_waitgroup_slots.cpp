// Race-free: each goroutine writes its own std::vector element; main reads after Wait.
#include <cstdio>
#include <vector>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

void square_into(std::vector<long>& out, std::size_t i, weft::WaitGroup& wg) {
  out[i] = static_cast<long>(i * i);
  wg.done();
}

void program() {
  std::vector<long> out(5, 0);
  weft::WaitGroup wg;
  for (std::size_t i = 0; i < out.size(); ++i) {
    wg.add(1);
    weft::go([&out, &wg, i] { square_into(out, i, wg); });
  }
  wg.wait();
  long total = 0;
  for (long v : out) total += v;
  std::printf("total=%ld last=%ld\n", total, out.back());
}

WEFT_E2E_MAIN(program)
