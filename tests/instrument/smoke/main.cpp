// weft_instrument() smoke test: the instrumented build must print exactly what the plain
// build prints (outside a weft run the hooks change nothing).
#include <cstdio>

#include "smoke/ledger.hpp"

namespace {
int calls;
int history[8];

long settle() {
  ++calls;
  long total = 0;
  for (const smoke::Entry& e : smoke::entries) {
    total += e.amount;
    history[calls & 7] += static_cast<int>(e.kind) + static_cast<int>(e.flagged);
  }
  auto squash = [&](long v) { return smoke::clamp_to(v, -100L, 100L) + calls; };
  return squash(total);
}
}  // namespace

int main() {
  smoke::post("ann", 40);
  smoke::post("bob", -15);
  smoke::post("ann", 200);
  long a = settle();
  smoke::entries[1].flagged = 0;
  long b = settle();
  std::printf("%ld %ld %ld %ld %d %d\n", a, b, smoke::balances["ann"], smoke::balances["bob"],
              history[1], history[2]);
  return 0;
}
