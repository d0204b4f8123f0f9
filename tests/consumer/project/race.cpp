// Two goroutines increment a plain int with no lock: a lost update that only the
// instrumented copy lets weft see. Prints the outcome and exits 0 when the race is found.
#include <cstdio>
#include <string>
#include <utility>

#include "weft/weft.hpp"

namespace {
struct Tally {
  int hits = 0;
};

void count_twice(Tally& t) {
  weft::WaitGroup wg;
  wg.add(2);
  for (int i = 0; i < 2; ++i) {
    weft::go([&] {
      t.hits = t.hits + 1;
      wg.done();
    });
  }
  wg.wait();
}
}  // namespace

int main() {
  weft::ExploreOptions options;
  options.iterations = 200;
  options.use_environment = false;
  const weft::ExploreResult r = weft::explore([] {
    Tally t;
    count_twice(t);
  }, options);
  // std::to_underlying is C++23: this only compiles (and instruments) as a C++23 target.
  std::printf("outcome: %s (kind %d)\n",
              r.ok() ? "ok" : std::string(weft::failure_kind_name(r.failure->kind)).c_str(),
              r.ok() ? -1 : static_cast<int>(std::to_underlying(r.failure->kind)));
  if (!r.ok()) std::printf("%s\n", r.failure->report.c_str());
  return !r.ok() && r.failure->kind == weft::FailureKind::data_race ? 0 : 1;
}
