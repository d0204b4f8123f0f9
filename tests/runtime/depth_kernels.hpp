// Bug kernels of known depth shared by the strategy tests (strategy_test, shrink_test,
// surw_test, lock_order_warn_test) and the strategy benchmarks (bench/strategy_bench.cpp,
// bench/shrink_bench.cpp include this file).
#pragma once

#include "weft/weft.hpp"

namespace weft_test {

// Depth 1 with a long prefix: the writer's k writes must all come before the reader's one
// read. A random walk's chance is about 2^-k; uniform over interleavings about 1/(k+1); PCT
// needs the writer's priority above the reader's.
inline void deep_prefix(int k) {
  weft::Shared<int> x{0};
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    for (int i = 1; i <= k; ++i) x.write(i);
    wg.done();
  });
  weft::go([&] {
    weft::check(x.read() != k, "the reader saw every write");
    wg.done();
  });
  wg.wait();
}

// Depth 2: the reader's one read falls between the writer's k-th write and its reset to 0.
inline void between_writes(int k) {
  weft::Shared<int> x{0};
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    for (int i = 1; i <= k; ++i) x.write(i);
    x.write(0);
    wg.done();
  });
  weft::go([&] {
    weft::check(x.read() != k, "the reader saw the k-th write before the reset");
    wg.done();
  });
  wg.wait();
}

// Depth 3: the reader sees the flag set, then the value written after it, then the flag
// cleared: it must run after the writer's first write, stop before the writer's second and
// go on only after its third (two preemptions).
inline void flag_before_value() {
  weft::Shared<int> flag{0}, value{0};
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    flag.write(1);
    value.write(1);
    flag.write(0);
    wg.done();
  });
  weft::go([&] {
    if (flag.read() == 1) weft::check(value.read() == 0 || flag.read() == 1, "torn read");
    wg.done();
  });
  wg.wait();
}

// Two mutexes taken in opposite orders: "ab" takes A then B at once; "ba" first makes
// `prefix` scheduling points of other work, then takes B then A. They deadlock only if "ab"
// stays between its two locks for all of "ba"'s prefix (about one random schedule in
// 2^prefix); with prefix 0 it is the plain depth-2 inversion.
inline void lock_inversion(int prefix) {
  weft::Mutex a, b;
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    a.lock();
    b.lock();
    b.unlock();
    a.unlock();
    wg.done();
  });
  weft::go([&] {
    for (int i = 0; i < prefix; ++i) weft::yield();
    b.lock();
    a.lock();
    a.unlock();
    b.unlock();
    wg.done();
  });
  wg.wait();
}

}  // namespace weft_test
