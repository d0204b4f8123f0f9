// weft_stress: the parallel scheduler's stress test (issue 12). `-g` goroutines (default
// 1,000,000) pass `-v` distinct values (default 10,000,000) on weft::run with WEFT_PROCS
// processors (default: every core), each value by one of three routes:
//  - v % 3 == 0: a buffered channel, drained by `for v : chan` consumers;
//  - v % 3 == 1: a select that sends on whichever of two channels (one unbuffered, one
//    buffered) is ready, received by consumers selecting over both;
//  - v % 3 == 2: under one of 64 mutexes, appended to that shard's list, whose length is
//    also counted in a plain (non-atomic) counter that only the mutex protects.
// Senders are spawned by a spawner goroutine and hold a slot of a buffered channel while
// alive, so at most `-a` (default 20,000) are alive at once (1,000,000 blocked goroutines
// would take gigabytes of stack pages). At the end every value must have arrived exactly
// once and each shard's counter must equal its list's length; the program prints what was
// lost or duplicated and exits 1 otherwise.
//
// Output lines (anchor style): stress.values, stress.goroutines, stress.ns_per_value,
// stress.lost, stress.duplicated. `weft_stress -g 20000 -v 200000` is the short form that
// ctest runs.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weft/weft.hpp"

namespace {

struct Config {
  long goroutines = 1'000'000;
  long values = 10'000'000;
  long alive = 20'000;
};

bool parse(int argc, char** argv, Config& c) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    long* target = a == "-g" ? &c.goroutines : a == "-v" ? &c.values : a == "-a" ? &c.alive
                                                                                  : nullptr;
    if (!target || i + 1 == argc) {
      std::fprintf(stderr,
                   "weft_stress: unknown or incomplete argument '%s'\nusage: weft_stress "
                   "[-g goroutines] [-v values] [-a most alive at once]\n",
                   a.c_str());
      return false;
    }
    char* end = nullptr;
    *target = std::strtol(argv[++i], &end, 10);
    if (*end != '\0' || *target <= 0) {
      std::fprintf(stderr, "weft_stress: %s wants a positive whole number, not '%s'\n",
                   a.c_str(), argv[i]);
      return false;
    }
  }
  if (c.values < c.goroutines) {
    std::fprintf(stderr, "weft_stress: -v (%ld) must be at least -g (%ld): every sender "
                         "sends at least one value\n",
                 c.values, c.goroutines);
    return false;
  }
  return true;
}

constexpr std::size_t kShards = 64;

struct Shard {
  weft::Mutex mu;
  std::vector<long> got;  // guarded by mu
  long count = 0;         // guarded by mu: equals got.size() unless the mutex failed
};

struct Outcome {
  long lost = 0, duplicated = 0, bad_shards = 0;
};

Outcome stress(const Config& c) {
  std::vector<std::atomic<std::uint8_t>> seen(static_cast<std::size_t>(c.values));
  std::vector<std::unique_ptr<Shard>> shards;
  for (std::size_t i = 0; i < kShards; ++i) shards.push_back(std::make_unique<Shard>());
  const auto mark = [&](long v) {
    seen[static_cast<std::size_t>(v)].fetch_add(1, std::memory_order_relaxed);
  };

  const int rc = weft::run([&] {
    const unsigned consumers = 8;
    auto plain = weft::make_chan<long>(128);
    auto sel_unbuffered = weft::make_chan<long>();
    auto sel_buffered = weft::make_chan<long>(16);
    auto slots = weft::make_chan<weft::Unit>(static_cast<std::size_t>(c.alive));
    weft::WaitGroup senders, receivers;

    receivers.add(2 * consumers);
    for (unsigned i = 0; i < consumers; ++i) {
      weft::go([&, plain] {
        for (long v : plain) mark(v);
        receivers.done();
      });
      weft::go([&, sel_unbuffered, sel_buffered] {
        auto a = sel_unbuffered, b = sel_buffered;
        bool a_open = true, b_open = true;
        while (a_open || b_open) {
          // A closed channel's case is replaced by the nil channel's, never ready.
          weft::select(weft::recv_case(a_open ? a : weft::Chan<long>{},
                                       [&](std::optional<long> v) {
                                         v ? mark(*v) : void(a_open = false);
                                       }),
                       weft::recv_case(b_open ? b : weft::Chan<long>{},
                                       [&](std::optional<long> v) {
                                         v ? mark(*v) : void(b_open = false);
                                       }));
        }
        receivers.done();
      });
    }

    // The spawner: one slot per live sender; each sender sends its range, then frees it.
    const long per = c.values / c.goroutines, extra = c.values % c.goroutines;
    senders.add(c.goroutines);
    weft::go([&, plain, sel_unbuffered, sel_buffered, slots] {
      long next = 0;
      for (long s = 0; s < c.goroutines; ++s) {
        const long from = next, n = per + (s < extra ? 1 : 0);
        next += n;
        slots.send(weft::Unit{});
        weft::go([&, from, n, plain, sel_unbuffered, sel_buffered, slots] {
          for (long v = from; v < from + n; ++v) {
            switch (v % 3) {
              case 0:
                plain.send(v);
                break;
              case 1:
                weft::select(weft::send_case(sel_unbuffered, v), weft::send_case(sel_buffered, v));
                break;
              default: {
                Shard& sh = *shards[static_cast<std::size_t>(v) % kShards];
                sh.mu.lock();
                sh.got.push_back(v);
                ++sh.count;
                sh.mu.unlock();
              }
            }
          }
          slots.recv();
          senders.done();
        });
      }
    });
    senders.wait();
    plain.close();
    sel_unbuffered.close();
    sel_buffered.close();
    receivers.wait();
  });
  if (rc != 0) std::exit(rc);

  Outcome out;
  for (auto& sh : shards) {
    if (sh->count != static_cast<long>(sh->got.size())) ++out.bad_shards;
    for (long v : sh->got) mark(v);
  }
  for (const auto& s : seen) {
    const unsigned n = s.load(std::memory_order_relaxed);
    out.lost += n == 0;
    out.duplicated += n > 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  if (!parse(argc, argv, c)) return 2;
  const auto t0 = std::chrono::steady_clock::now();
  const Outcome o = stress(c);
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() -
                                                             t0)
                        .count();
  std::printf("stress.values %ld values\n", c.values);
  std::printf("stress.goroutines %ld goroutines\n", c.goroutines);
  std::printf("stress.ns_per_value %.1f ns\n", ns / static_cast<double>(c.values));
  std::printf("stress.lost %ld values\n", o.lost);
  std::printf("stress.duplicated %ld values\n", o.duplicated);
  if (o.bad_shards) std::printf("stress.bad_mutex_shards %ld shards\n", o.bad_shards);
  const bool ok = o.lost == 0 && o.duplicated == 0 && o.bad_shards == 0;
  if (!ok) std::fprintf(stderr, "weft_stress: FAILED: values lost or duplicated\n");
  return ok ? 0 : 1;
}
