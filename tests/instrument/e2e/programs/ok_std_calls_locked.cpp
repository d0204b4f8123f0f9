// Race-free: shared data passed to standard functions by reference, always under the
// Mutex; a std::function whose body locks before touching the shared int it is given;
// std::lock_guard over a weft::Mutex. None of this may be reported.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

weft::Mutex mu;
int hits = 0;
int misses = 0;
std::vector<int> log_;
std::string last;

void record(int id) {
  std::lock_guard<weft::Mutex> hold(mu);
  std::swap(hits, misses);
  log_.push_back(std::max(hits, misses));
  last = std::to_string(id) + ":" + last;
}

void program() {
  hits = 1;
  misses = 0;
  log_.clear();
  last.clear();
  std::function<void(int&)> add_locked = [](int& x) {
    mu.lock();
    x += 1;
    mu.unlock();
  };
  weft::WaitGroup wg;
  wg.add(3);
  for (int id = 0; id < 3; ++id)
    weft::go([id, &wg, &add_locked] {
      record(id);
      add_locked(hits);
      wg.done();
    });
  wg.wait();
  std::printf("entries=%zu total=%d length=%zu\n", log_.size(), hits + misses, last.size());
}

WEFT_E2E_MAIN(program)
