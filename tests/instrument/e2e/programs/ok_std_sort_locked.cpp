// Race-free: whole-range algorithms on shared containers (sort, accumulate, count_if) under
// the Mutex that guards them; one goroutine sorts while others sum and count.
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <vector>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

weft::Mutex mu;
std::vector<int> scores;

void program() {
  scores = {5, 3, 9, 1};
  weft::WaitGroup wg;
  wg.add(3);
  int sum = 0;
  long big = 0;
  weft::go([&wg] {
    std::lock_guard hold(mu);
    std::sort(scores.begin(), scores.end());
    wg.done();
  });
  weft::go([&wg, &sum] {
    std::lock_guard hold(mu);
    sum = std::accumulate(scores.cbegin(), scores.cend(), 0);
    wg.done();
  });
  weft::go([&wg, &big] {
    std::lock_guard hold(mu);
    big = std::count_if(scores.begin(), scores.end(), [](int s) { return s > 4; });
    wg.done();
  });
  wg.wait();
  std::printf("sum=%d big=%ld first=%d\n", sum, big, scores.front());
}

WEFT_E2E_MAIN(program)
