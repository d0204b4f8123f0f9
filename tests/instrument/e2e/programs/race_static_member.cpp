// Racy: a static data member used as a global request counter by concurrent handlers.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

struct Handler {
  static int served;
  int id;
  void serve() {
    served = served + 1;  // RACE x2: Handler::serve
  }
};
int Handler::served = 0;

void program() {
  Handler::served = 0;
  Handler a{1}, b{2};
  auto done = weft::make_chan<int>(2);
  weft::go([&a, done] { a.serve(); done.send(a.id); });
  weft::go([&b, done] { b.serve(); done.send(b.id); });
  int x = done.recv();
  int y = done.recv();
  std::printf("ids=%d served=%d\n", x + y, Handler::served);
}

WEFT_E2E_MAIN(program)
