// Race-free: a three-stage pipeline; each stage keeps its own state and passes values on.
#include <cstdio>
#include <string>
#include <vector>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

struct Stage {
  int processed = 0;
};

void generate(weft::Chan<int> out, int n) {
  for (int i = 1; i <= n; ++i) out.send(i);
  out.close();
}

void square(weft::Chan<int> in, weft::Chan<int> out, Stage* st) {
  for (int v : in) {
    st->processed++;
    out.send(v * v);
  }
  out.close();
}

void program() {
  auto a = weft::make_chan<int>(2);
  auto b = weft::make_chan<int>();
  Stage st;
  weft::go(generate, a, 5);
  weft::go(square, a, b, &st);
  std::vector<int> got;
  for (int v : b) got.push_back(v);
  std::string line;
  for (int v : got) line += std::to_string(v) + " ";
  std::printf("%s| processed=%d\n", line.c_str(), st.processed);
}

WEFT_E2E_MAIN(program)
