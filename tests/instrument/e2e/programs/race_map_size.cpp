// Racy: inserts into a std::map are locked, but a monitor asks for its size without the
// lock (a call on a standard container reads the container object).
#include <cstdio>
#include <map>
#include <string>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

struct Registry {
  weft::Mutex mu;
  std::map<int, std::string> names;

  void add(int id, std::string name) {
    mu.lock();
    names.emplace(id, std::move(name));  // RACE: Registry::add
    mu.unlock();
  }
  std::size_t approx_size() const {
    return names.size();  // RACE: Registry::approx_size
  }
};

void program() {
  Registry reg;
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&reg, &wg] {
    reg.add(1, "ann");
    wg.done();
  });
  std::size_t n = reg.approx_size();
  wg.wait();
  std::printf("n<=1:%d size=%zu\n", n <= 1 ? 1 : 0, reg.names.size());
}

WEFT_E2E_MAIN(program)
