// Race-free: main writes a shared struct, then closes a signal channel; workers read the
// struct after the close wakes them.
#include <cstdio>
#include <string>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

struct Job {
  std::string name;
  int weight = 0;
};

void program() {
  Job job;
  auto start = weft::make_chan<weft::Unit>();
  auto out = weft::make_chan<int>(4);
  for (int i = 0; i < 4; ++i)
    weft::go([&job, start, out, i] {
      (void)start.recv_ok();
      out.send(job.weight * i + static_cast<int>(job.name.size()));
    });
  job.name = "resize";
  job.weight = 3;
  start.close();
  int sum = 0;
  for (int i = 0; i < 4; ++i) sum += out.recv();
  std::printf("sum=%d\n", sum);
}

WEFT_E2E_MAIN(program)
