// Racy: a counter updated through a macro of the program's own, from two threads without a
// lock. The access is written in the #define; the report names each expansion's line.
#include <cstdio>
#include <thread>

#include "e2e_main.hpp"

#define RECORD(amount) (total_bytes += (amount))

long total_bytes = 0;

void upload() {
  RECORD(100);  // RACE: upload
}

void download() {
  RECORD(40);  // RACE: download
}

void program() {
  total_bytes = 0;
  std::thread a(upload), b(download);
  a.join();
  b.join();
  std::printf("total=%ld\n", total_bytes);
}

WEFT_E2E_MAIN(program)
