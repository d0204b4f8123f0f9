// Race-free: each std::thread counts the requests it served in a thread_local counter and
// keeps a thread_local scratch buffer, as thread-per-connection servers do. Under
// weft::explore every thread is a goroutine on one OS thread, so without weft-instrument's
// rewrite (each use becomes the running goroutine's own copy) the threads would share one
// counter and one buffer; the plain build shows exactly that. errno, which the scheduler
// keeps per goroutine, must survive the switches in both builds.
// PLAIN: a thread saw another thread's requests
// PLAIN-DIFFERS: the plain build shares the thread_locals (see above)
#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

#include "e2e_main.hpp"

thread_local int served = 0;
thread_local std::string scratch = "idle";
int totals[3];

void serve(int id, int requests) {
  for (int i = 0; i < requests; ++i) {
    ++served;
    scratch = "request " + std::to_string(i) + " of thread " + std::to_string(id);
    errno = 100 + id;
    std::this_thread::yield();  // another thread runs here
    if (errno != 100 + id) throw std::runtime_error("errno changed by another thread");
  }
  if (served != requests || scratch.find("of thread " + std::to_string(id)) == std::string::npos)
    throw std::runtime_error("a thread saw another thread's requests");
  totals[id] = served;
}

void program() {
  std::thread a(serve, 0, 2);
  std::thread b(serve, 1, 3);
  serve(2, 1);
  a.join();
  b.join();
  std::printf("served %d %d %d; main's scratch: %s\n", totals[0], totals[1], totals[2],
              scratch.c_str());
}

WEFT_E2E_MAIN(program)
