// Race-free: workers tick until their context is cancelled, each counting into its own
// array slot; main reads the slots after the WaitGroup.
#include <chrono>
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

int ticks[3];

void ticker(weft::Context ctx, int id, weft::WaitGroup* wg) {
  weft::Ticker t(1ms);
  bool running = true;
  while (running) {
    weft::select(weft::recv_case(ctx.done(), [&] { running = false; }),
                 weft::recv_case(t.c(), [&] { ticks[id]++; }));
  }
  t.stop();
  wg->done();
}

void program() {
  for (int& t : ticks) t = 0;
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  weft::WaitGroup wg;
  wg.add(3);
  for (int i = 0; i < 3; ++i) weft::go(ticker, ctx, i, &wg);
  weft::sleep(3500us);
  cancel();
  wg.wait();
  int positive = (ticks[0] > 0) + (ticks[1] > 0) + (ticks[2] > 0);
  std::printf("err=%s active=%d\n", std::string(weft::context_error_message(ctx.err())).c_str(),
              positive);
}

WEFT_E2E_MAIN(program)
