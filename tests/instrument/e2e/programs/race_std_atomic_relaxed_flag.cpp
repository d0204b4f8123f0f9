// Racy: plain data published through a std::atomic<bool> with memory_order_relaxed. The
// flag's value arrives, but a relaxed store orders nothing before it: the reader's use of the
// configuration races with the writer's.
#include <atomic>
#include <cstdio>
#include <thread>

#include "e2e_main.hpp"

struct Config {
  int port = 0;
  int workers = 0;
};

Config config;
std::atomic<bool> ready{false};

void publish() {
  config.port = 8080;  // RACE: publish
  config.workers = 4;
  ready.store(true, std::memory_order_relaxed);
}

int consume() {
  while (!ready.load(std::memory_order_relaxed)) std::this_thread::yield();
  return config.port + config.workers;  // RACE: consume
}

void program() {
  ready = false;
  config = Config{};
  int sum = 0;
  std::thread reader([&] { sum = consume(); });
  std::thread writer(publish);
  writer.join();
  reader.join();
  std::printf("sum=%d\n", sum);
}

WEFT_E2E_MAIN(program)
