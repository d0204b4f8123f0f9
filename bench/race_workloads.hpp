// race_workloads.hpp — the two access-heavy workloads of the race-detector comparison
// (bench/compare_race.sh), written once as templates over an "environment":
//
//   struct Env {
//     using Mutex = ...;                          // Lockable
//     template <class F> void spawn(F f);         // start a worker
//     void join_all();                            // wait for every worker spawned so far
//     template <class T> static T load(const T&);           // a read of shared memory
//     template <class T> static void store(T&, T);          // a write
//     template <class T> static void add(T&, T);            // a read-modify-write (x += d)
//   };
//
// weft's environment (race_weft.hpp) runs the workers as goroutines under weft::explore and
// records every load/store/add with weft::race; ThreadsEnv below uses std::thread, std::mutex
// and plain memory, so under -fsanitize=thread the compiler instruments the same accesses.
//
// Each workload returns a checksum (checked against the expected value by the drivers, so the
// work cannot be optimised away) and the number of accesses it made through the hooks (what
// weft's detector records; TSan sees the same loads and stores, counting an add as a read plus
// a write).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace weft_bench {

// The sizes both sides use (the drivers accept overrides, and print what they ran).
struct Params {
  unsigned workers = 2;                 // N
  std::uint64_t items = 100'000;        // histogram: M items per worker
  unsigned bins = 256;                  // histogram: B bins, one mutex each
  std::uint64_t table = 1u << 16;       // lookup: table entries (a power of two)
  std::uint64_t reads = 500'000;        // lookup: reads per worker
};

struct Outcome {
  std::uint64_t checksum = 0;
  std::uint64_t accesses = 0;  // loads + stores + adds made through the environment's hooks
};

inline std::uint64_t splitmix(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Parallel histogram with mutex-protected bins: main fills an input array of N*M values,
// N workers each take a slice, read each value and increment bin (value % B) under that bin's
// mutex; main then sums the bins.
// Accesses: N*M input writes + B bin initialisations + N*M input reads + N*M bin adds + B
// final bin reads.
template <class Env>
Outcome histogram(Env& env, const Params& p) {
  const std::uint64_t n = std::uint64_t{p.workers} * p.items;
  std::vector<std::uint32_t> input(n);
  std::vector<std::uint64_t> bins(p.bins);
  auto locks = std::make_unique<typename Env::Mutex[]>(p.bins);

  std::uint64_t seed = 42;
  for (std::uint64_t i = 0; i < n; ++i)
    Env::store(input[i], static_cast<std::uint32_t>(splitmix(seed)));
  for (unsigned b = 0; b < p.bins; ++b) Env::store(bins[b], std::uint64_t{0});

  for (unsigned w = 0; w < p.workers; ++w) {
    env.spawn([&, w] {
      const std::uint64_t begin = std::uint64_t{w} * p.items, end = begin + p.items;
      for (std::uint64_t i = begin; i < end; ++i) {
        const unsigned b = Env::load(input[i]) % p.bins;
        std::lock_guard lock(locks[b]);
        Env::add(bins[b], std::uint64_t{1});
      }
    });
  }
  env.join_all();

  Outcome out;
  for (unsigned b = 0; b < p.bins; ++b) out.checksum += Env::load(bins[b]);
  out.accesses = 3 * n + 2 * std::uint64_t{p.bins};
  return out;  // checksum == N*M
}

// Shared-read-heavy lookup table: main fills a table once, N workers each make R reads at
// pseudo-random indices and store their sum in their own result slot; main adds the slots.
// Accesses: T table writes + N*R table reads + N result writes + N result reads.
template <class Env>
Outcome lookup(Env& env, const Params& p) {
  std::vector<std::uint64_t> table(p.table);
  std::vector<std::uint64_t> results(p.workers);
  const std::uint64_t mask = p.table - 1;
  for (std::uint64_t i = 0; i < p.table; ++i) Env::store(table[i], i * 3 + 1);

  for (unsigned w = 0; w < p.workers; ++w) {
    env.spawn([&, w] {
      std::uint64_t x = 0x12345678u + w, sum = 0;
      for (std::uint64_t r = 0; r < p.reads; ++r) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        sum += Env::load(table[x & mask]);
      }
      Env::store(results[w], sum);
    });
  }
  env.join_all();

  Outcome out;
  for (unsigned w = 0; w < p.workers; ++w) out.checksum += Env::load(results[w]);
  out.accesses = p.table + std::uint64_t{p.workers} * p.reads + 2 * std::uint64_t{p.workers};
  return out;
}

// The expected lookup checksum, computed without any environment (for the drivers' checks).
inline std::uint64_t lookup_expected(const Params& p) {
  const std::uint64_t mask = p.table - 1;
  std::uint64_t total = 0;
  for (unsigned w = 0; w < p.workers; ++w) {
    std::uint64_t x = 0x12345678u + w;
    for (std::uint64_t r = 0; r < p.reads; ++r) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      total += (x & mask) * 3 + 1;
    }
  }
  return total;
}

// std::thread + std::mutex + plain memory. With serial = true each worker is joined as soon
// as it is spawned, so one thread runs at a time (the shape of weft's controlled scheduler,
// which runs one goroutine at a time on one OS thread).
struct ThreadsEnv {
  using Mutex = std::mutex;
  bool serial = false;
  std::vector<std::thread> threads;

  template <class F>
  void spawn(F f) {
    threads.emplace_back(std::move(f));
    if (serial) {
      threads.back().join();
      threads.pop_back();
    }
  }
  void join_all() {
    for (std::thread& t : threads) t.join();
    threads.clear();
  }
  template <class T>
  static T load(const T& x) {
    return x;
  }
  template <class T>
  static void store(T& x, T v) {
    x = v;
  }
  template <class T>
  static void add(T& x, T d) {
    x += d;
  }
};

}  // namespace weft_bench
