// Racy: one goroutine sorts a shared vector while another reads an element. The sort's
// reads and writes happen inside the standard library; the call records the whole range.
#include <algorithm>
#include <cstdio>
#include <vector>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

std::vector<int> scores;

void rank() {
  std::sort(scores.begin(), scores.end());  // RACE: rank
}

int best() {
  return scores[0];  // RACE: best
}

void program() {
  scores = {5, 3, 9, 1};
  weft::WaitGroup wg;
  wg.add(2);
  int top = 0;
  weft::go([&wg] { rank(); wg.done(); });
  weft::go([&wg, &top] { top = best(); wg.done(); });
  wg.wait();
  std::printf("size=%zu top_set=%d\n", scores.size(), top > 0 ? 1 : 0);
}

WEFT_E2E_MAIN(program)
