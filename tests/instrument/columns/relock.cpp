// One goroutine locks a mutex it already holds, on lines where instrumented accesses come
// first: the copy's columns of the lock calls differ from the original's, and the deadlock
// report (built from std::source_location in the copy) must still show the original ones.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

int counter = 0;
weft::Mutex mu;

void program() {
  counter++; counter = counter + 1; mu.lock();
  counter += 2; counter++; mu.lock();  // blocks forever: mu is held
  std::printf("%d\n", counter);
}

WEFT_E2E_MAIN(program)
