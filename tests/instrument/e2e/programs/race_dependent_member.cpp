// Racy: a class template reaches a member of its dependent base through this->, and a
// function template a member whose type depends on its parameter; the writer locks, the
// reader does not.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

template <class T>
struct Slot {
  T value{};
  weft::Mutex mu;
};

template <class T>
struct Gauge : Slot<T> {
  void set(T v) {
    this->mu.lock();
    this->value = v;  // RACE: Gauge::set
    this->mu.unlock();
  }
};

template <class Holder>
auto read_value(const Holder& h) {
  return h.value;  // RACE: read_value
}

void program() {
  Gauge<double> g;
  auto done = weft::make_chan<int>(1);
  weft::go([&g, done] {
    g.set(2.5);
    done.send(1);
  });
  double seen = read_value(g);
  done.recv();
  std::printf("%d\n", seen == 0.0 ? 0 : 1);
}

WEFT_E2E_MAIN(program)
