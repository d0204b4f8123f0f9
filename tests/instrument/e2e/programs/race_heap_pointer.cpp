// Racy: a heap object written through one pointer and read through another, with the
// reader not waiting for the writer.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

struct Reading {
  int celsius = 0;
  int samples = 0;
};

void record(Reading* r, weft::WaitGroup* wg) {
  r->celsius = 21;  // RACE: record
  r->samples = 1;
  wg->done();
}

int report(const Reading* r) {
  return r->celsius;  // RACE: report
}

void program() {
  Reading* r = new Reading;
  Reading* alias = r;
  weft::WaitGroup wg;
  wg.add(1);
  weft::go(record, r, &wg);
  int seen = report(alias);
  wg.wait();
  std::printf("seen=%d samples=%d\n", seen, r->samples);
  delete r;
}

WEFT_E2E_MAIN(program)
