// Racy: two code paths protect the same counter with two different mutexes.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

struct Stats {
  weft::Mutex request_mu;
  weft::Mutex error_mu;
  long events = 0;
};

void on_request(Stats& s) {
  s.request_mu.lock();
  s.events += 1;  // RACE: on_request
  s.request_mu.unlock();
}

void on_error(Stats& s) {
  s.error_mu.lock();
  s.events += 100;  // RACE: on_error
  s.error_mu.unlock();
}

void program() {
  Stats s;
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] { on_request(s); wg.done(); });
  weft::go([&] { on_error(s); wg.done(); });
  wg.wait();
  std::printf("events=%ld\n", s.events);
}

WEFT_E2E_MAIN(program)
