// Race-free: plain data published through a weft::Atomic flag (store after the writes,
// load before the reads).
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

struct Config {
  int port = 0;
  int workers = 0;
};

Config config;
weft::Atomic<int> ready{0};

void publish() {
  config.port = 8080;
  config.workers = 4;
  ready.store(1);
}

int consume() {
  while (ready.load() == 0) weft::yield();
  return config.port + config.workers;
}

void program() {
  ready.store(0);
  config = Config{};
  auto out = weft::make_chan<int>(1);
  weft::go([out] { out.send(consume()); });
  weft::go([] { publish(); });
  std::printf("sum=%d\n", out.recv());
}

WEFT_E2E_MAIN(program)
