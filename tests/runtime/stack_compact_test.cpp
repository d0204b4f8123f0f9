// Stack compaction (runtime/src/stack_compact.hpp) through weft::explore: goroutines blocked
// on channels, mutexes, WaitGroups and conds are compacted (compact_stacks_from = 1: every
// blocking goroutine), then woken, and everything on their stacks must be as it was: locals,
// pointers to locals, deep frames, a 256 KiB array. Other goroutines that write into a
// compacted stack (a closure's captured reference) must see and leave the right bytes.
// Compaction must not change a schedule: the same seed gives the same run, on or off, and a
// token found with it on replays.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include "goroutine.hpp"
#include "scheduler.hpp"
#include "stack_compact.hpp"
#include "weft/weft.hpp"

namespace stack_compact_test {  // this file's names, apart from the other tests' in a unity build

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_TEST_ASAN 1
#endif
#endif

namespace {

weft::ExploreOptions opts(std::size_t compact_from, std::uint64_t iterations = 1,
                          std::uint64_t seed = 11) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.seed = seed;
  o.use_environment = false;
  o.compact_stacks_from = compact_from;
  return o;
}

// Compaction runs only where it can (guard markers, Linux 6.13+; not under ASan); on a
// system without, the tests still check the behaviour, with nothing compacted.
bool expect_compaction() {
#ifdef WEFT_TEST_ASAN
  return false;
#else
  weft::ExploreOptions o = opts(0);
  (void)weft::explore([] {
    auto c = weft::make_chan<int>();
    weft::go([c] { c.send(1); });
    c.recv();
  }, o);
  // A stack pool decides between guard markers and mprotect at its first stack; the pool
  // is per explore(), the kernel's answer is remembered process-wide.
  weft::detail::StackPool pool(64 * 1024);
  weft::detail::Stack s = pool.get();
  pool.put(s, static_cast<char*>(s.bottom) + s.size);
  return weft::detail::compaction_available(pool);
#endif
}

// Whether compaction also works with other threads running (the userfaultfd; Linux 6.8+,
// not denied by a seccomp filter): what weft::run uses on more than one processor.
bool expect_shared_compaction() {
  if (!expect_compaction()) return false;
  weft::detail::StackPool pool(64 * 1024);
  weft::detail::Stack s = pool.get();
  pool.put(s, static_cast<char*>(s.bottom) + s.size);
  return weft::detail::shared_compaction_available(pool);
}

std::uint64_t compacted_so_far() { return weft::detail::compaction_counts().compacted; }
std::uint64_t shared_so_far() { return weft::detail::compaction_counts().shared; }
std::uint64_t fault_restores_so_far() {
  return weft::detail::compaction_counts().restored_by_fault;
}

// Fills a local array with a pattern that depends on `seed`, blocks (through `block`),
// and checks after waking that the array and a pointer into it are intact.
template <class Block>
[[gnu::noinline]] bool locals_survive(int seed, Block&& block) {
  volatile int local[200];
  for (int i = 0; i < 200; ++i) local[i] = seed * 1000 + i;
  volatile int* inside = &local[137];
  volatile int** via = &inside;  // a pointer to a stack slot that points into the stack
  block();
  bool ok = *via == &local[137] && **via == seed * 1000 + 137;
  for (int i = 0; i < 200; ++i) ok = ok && local[i] == seed * 1000 + i;
  return ok;
}

// Recurses `depth` frames, each with its own locals, blocks at the bottom, and checks every
// frame on the way back.
template <class Block>
[[gnu::noinline]] bool deep_then_block(int depth, Block& block) {
  volatile char frame[700];
  for (int i = 0; i < 700; ++i) frame[i] = static_cast<char>(depth * 31 + i);
  bool ok = depth == 0 ? (block(), true) : deep_then_block(depth - 1, block);
  for (int i = 0; i < 700; ++i) ok = ok && frame[i] == static_cast<char>(depth * 31 + i);
  return ok;
}

[[gnu::noinline]] long deep_sum(int depth) {
  volatile long frame[128];
  for (int i = 0; i < 128; ++i) frame[i] = depth + i;
  if (depth == 0) return frame[5];
  return deep_sum(depth - 1) + frame[5];
}

// Goroutines blocked on a channel, a mutex, a WaitGroup and a Cond, all woken at the end;
// returns a summary that the tests compare between runs.
std::string blocked_everywhere(int per_kind) {
  std::string log;
  auto values = weft::make_chan<int>();
  weft::Mutex mu;
  weft::WaitGroup gate;
  weft::Mutex cmu;
  weft::Cond cond(cmu);
  bool go_on = false;
  weft::WaitGroup all;
  std::vector<int> got(per_kind, -1);
  int bad = 0, counted = 0;
  gate.add(1);
  mu.lock();
  all.add(4 * per_kind);
  for (int i = 0; i < per_kind; ++i) {
    weft::go([&, i] {
      int v = -1;
      if (!locals_survive(i, [&] { v = values.recv(); })) ++bad;
      got[i] = v;
      all.done();
    });
    weft::go([&, i] {
      if (!locals_survive(i + 100, [&] { mu.lock(); })) ++bad;
      ++counted;
      mu.unlock();
      all.done();
    });
    weft::go([&, i] {
      if (!locals_survive(i + 200, [&] { gate.wait(); })) ++bad;
      all.done();
    });
    weft::go([&, i] {
      if (!locals_survive(i + 300, [&] {
            cmu.lock();
            while (!go_on) cond.wait();
            cmu.unlock();
          }))
        ++bad;
      all.done();
    });
  }
  for (int k = 0; k < 5; ++k) weft::yield();  // let them block
  for (int i = 0; i < per_kind; ++i) values.send(1000 + i);
  mu.unlock();
  gate.done();
  cmu.lock();
  go_on = true;
  cond.broadcast();
  cmu.unlock();
  all.wait();
  weft::check(bad == 0, "every goroutine found its locals intact");
  weft::check(counted == per_kind, "every mutex waiter got the lock once");
  std::vector<int> sorted = got;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < per_kind; ++i) weft::check(sorted[i] == 1000 + i, "each value once");
  for (int v : got) log += std::to_string(v) + ",";
  return log;
}

TEST(StackCompact, BlockedGoroutinesAreCompactedAndWakeWithTheirStacksIntact) {
  const bool compacts = expect_compaction();
  const std::uint64_t before = compacted_so_far();
  std::string log;
  auto r = weft::explore([&] { log = blocked_everywhere(40); }, opts(1, 3));
  ASSERT_TRUE(r.ok()) << r;
  if (compacts) {
    EXPECT_GE(compacted_so_far() - before, 3u * 160);
  }
}

TEST(StackCompact, OnAndOffGiveTheSameRunsForTheSameSeed) {
  for (std::uint64_t seed : {3u, 4u}) {
    std::vector<std::string> logs[2];
    weft::ExploreResult results[2];
    for (int on = 0; on < 2; ++on)
      results[on] = weft::explore([&] { logs[on].push_back(blocked_everywhere(12)); },
                                  opts(on ? 1 : 0, 4, seed));
    ASSERT_TRUE(results[0].ok()) << results[0];
    ASSERT_TRUE(results[1].ok()) << results[1];
    EXPECT_EQ(logs[0], logs[1]) << "seed " << seed;
    EXPECT_EQ(results[0].steps, results[1].steps);
  }
}

// A goroutine's WaitGroup and counters live on main's stack; main blocks in wait() and is
// compacted, then every worker writes there: each write faults and brings main's stack back.
TEST(StackCompact, OthersWritingIntoACompactedStackSeeAndKeepTheRightBytes) {
  const bool compacts = expect_compaction();
  const std::uint64_t faults = fault_restores_so_far();
  auto r = weft::explore([] {
    long sum = 0;
    long slots[64] = {};
    weft::WaitGroup wg;
    wg.add(64);
    for (int i = 0; i < 64; ++i)
      weft::go([&, i] {
        weft::yield();  // main is blocked in wait() by now, and compacted
        slots[i] = i * 3;
        sum += i;
        wg.done();
      });
    wg.wait();
    weft::check(sum == 64 * 63 / 2, "every worker's addition reached main's stack");
    for (int i = 0; i < 64; ++i) weft::check(slots[i] == i * 3, "every slot written");
  }, opts(1, 5));
  ASSERT_TRUE(r.ok()) << r;
  if (compacts) {
    EXPECT_GT(fault_restores_so_far(), faults);
  }
}

// A parked goroutine hands out a pointer to its own local; another goroutine writes through
// it while the owner is blocked (and compacted), then wakes it.
TEST(StackCompact, APointerToAParkedGoroutinesLocalStaysValid) {
  auto r = weft::explore([] {
    auto where = weft::make_chan<long*>(1);
    auto wake = weft::make_chan<int>();
    auto result = weft::make_chan<long>(1);
    weft::go([=] {
      long mine = 5;
      where.send(&mine);
      (void)wake.recv();
      result.send(mine);
    });
    long* p = where.recv();
    for (int k = 0; k < 3; ++k) weft::yield();
    *p = 77;
    wake.send(1);
    weft::check(result.recv() == 77, "the write through the pointer landed in its local");
  }, opts(1, 20));
  ASSERT_TRUE(r.ok()) << r;
}

TEST(StackCompact, DeepFramesBeforeAndAtTheBlockSurvive) {
  auto r = weft::explore([] {
    auto c = weft::make_chan<int>();
    weft::WaitGroup wg;
    int bad = 0;
    wg.add(8);
    for (int i = 0; i < 8; ++i)
      weft::go([&, c, i] {
        const long first = deep_sum(150);  // about 160 KiB deep, then back up
        auto block = [&] { (void)c.recv(); };
        // blocked 60 frames (about 45 KiB) down
        if (!deep_then_block(60, block)) ++bad;
        if (deep_sum(150) != first) ++bad;
        (void)i;
        wg.done();
      });
    for (int k = 0; k < 5; ++k) weft::yield();
    for (int i = 0; i < 8; ++i) c.send(i);
    wg.wait();
    weft::check(bad == 0, "every frame of every goroutine intact");
  }, opts(1, 3));
  ASSERT_TRUE(r.ok()) << r;
}

[[gnu::noinline]] bool big_array_survives(weft::Chan<int> c) {
  constexpr std::size_t n = 256 * 1024 / sizeof(std::uint32_t);
  volatile std::uint32_t big[n];
  for (std::size_t i = 0; i < n; ++i) big[i] = static_cast<std::uint32_t>(i * 2654435761u);
  (void)c.recv();
  bool ok = true;
  for (std::size_t i = 0; i < n; ++i) ok = ok && big[i] == static_cast<std::uint32_t>(i * 2654435761u);
  return ok;
}

TEST(StackCompact, A256KiBLocalArrayInAParkedGoroutineSurvives) {
  weft::ExploreOptions o = opts(1, 2);
  o.stack_size = 1024 * 1024;
  auto r = weft::explore([] {
    auto c = weft::make_chan<int>();
    auto ok = weft::make_chan<bool>(2);
    for (int i = 0; i < 2; ++i) weft::go([c, ok] { ok.send(big_array_survives(c)); });
    for (int k = 0; k < 4; ++k) weft::yield();
    c.send(1);
    c.send(2);
    weft::check(ok.recv() && ok.recv(), "the arrays are intact");
  }, o);
  ASSERT_TRUE(r.ok()) << r;
}

// A bug that needs a particular interleaving: found with compaction on, its token replays.
TEST(StackCompact, ATokenFoundWithCompactionReplays) {
  auto body = [] {
    int x = 0;
    weft::WaitGroup wg;
    weft::Mutex mu;
    wg.add(2);
    for (int i = 0; i < 2; ++i)
      weft::go([&] {
        mu.lock();
        int seen = x;
        mu.unlock();
        weft::yield();
        mu.lock();
        x = seen + 1;  // a lost update when both read 0
        mu.unlock();
        wg.done();
      });
    wg.wait();
    weft::check(x == 2, "both increments landed");
  };
  auto found = weft::explore(body, opts(1, 200));
  ASSERT_FALSE(found.ok());
  ASSERT_EQ(found.failure->kind, weft::FailureKind::assertion);
  weft::ExploreOptions again = opts(1);
  again.strategy = weft::StrategyKind::replay;
  again.replay = found.token;
  auto replayed = weft::explore(body, again);
  ASSERT_FALSE(replayed.ok());
  EXPECT_EQ(replayed.failure->kind, weft::FailureKind::assertion);
  EXPECT_EQ(replayed.failure->report, found.failure->report);
}

TEST(StackCompact, TheThresholdComesFromTheEnvironmentAndIsChecked) {
  ::setenv("WEFT_COMPACT_STACKS", "lots", 1);
  weft::ExploreOptions o = opts(0);
  o.use_environment = true;
  int ran = 0;
  auto r = weft::explore([&] { ++ran; }, o);
  ::unsetenv("WEFT_COMPACT_STACKS");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::configuration);
  EXPECT_NE(r.failure->report.find("WEFT_COMPACT_STACKS='lots' is not a whole number"),
            std::string::npos)
      << r.failure->report;
  EXPECT_EQ(ran, 0);

  const bool compacts = expect_compaction();
  ::setenv("WEFT_COMPACT_STACKS", "1", 1);
  const std::uint64_t before = compacted_so_far();
  auto on = weft::explore([] { blocked_everywhere(4); }, o);
  ::unsetenv("WEFT_COMPACT_STACKS");
  ASSERT_TRUE(on.ok()) << on;
  if (compacts) {
    EXPECT_GT(compacted_so_far(), before);
  }
}

TEST(StackCompact, BelowTheThresholdNothingIsCompacted) {
  const std::uint64_t before = compacted_so_far();
  auto r = weft::explore([] { blocked_everywhere(4); }, opts(1000));
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(compacted_so_far(), before);
}

// The process dies of `sig`; under AddressSanitizer weft's report comes first and ASan's
// handler then ends the process with exit status 1, which is accepted too.
bool dies_of_segv(int status) {
#ifdef WEFT_TEST_ASAN
  if (WIFEXITED(status)) return WEXITSTATUS(status) != 0;
#endif
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

[[gnu::noinline]] int recurse_forever(int depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  if (depth > 1'000'000'000) return frame[0];
  return recurse_forever(depth + 1) + frame[0];
}

[[gnu::noinline]] void write_through(int* p) {
  int* volatile q = p;  // the compiler cannot see where it points
  *q = 1;
}

// The fault handler brings compacted stacks back, but it must not swallow a real crash: an
// overflow beside compacted stacks is still an overflow, a bad pointer still a crash.
TEST(StackCompactDeathTest, AnOverflowAmongCompactedStacksIsStillReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        weft::ExploreOptions o = opts(1);
        o.stack_size = 128 * 1024;
        auto r = weft::explore([] {
          auto block = weft::make_chan<int>();
          auto done = weft::make_chan<int>();
          for (int i = 0; i < 4; ++i) weft::go([block] { (void)block.recv(); });
          weft::go_named("deep", [done] {
            for (int k = 0; k < 4; ++k) weft::yield();
            done.send(recurse_forever(0));
          });
          done.recv();
          block.close();
        }, o);
        (void)r;
      },
      dies_of_segv,
      "stack overflow: goroutine [0-9]+ ran past the end of its 131072-byte stack");
}

TEST(StackCompactDeathTest, ANullDereferenceAmongCompactedStacksIsStillACrash) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto r = weft::explore([] {
          auto block = weft::make_chan<int>();
          for (int i = 0; i < 4; ++i) weft::go([block] { (void)block.recv(); });
          for (int k = 0; k < 4; ++k) weft::yield();
          write_through(reinterpret_cast<int*>(std::uintptr_t{0x10}));
        }, opts(1));
        (void)r;
      },
      dies_of_segv,
      "signal SIGSEGV \\(segmentation fault\\) at address 0x10\ngoroutine 1 \\[running\\]");
}

// The watchdog still names the spinning goroutine when the others are compacted.
TEST(StackCompactDeathTest, AHangAmongCompactedStacksIsStillReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        weft::ExploreOptions o = opts(1);
        o.hang_timeout = std::chrono::milliseconds(50);
        auto r = weft::explore([] {
          auto block = weft::make_chan<int>();
          auto c = weft::make_chan<int>();
          for (int i = 0; i < 4; ++i) weft::go([block] { (void)block.recv(); });
          weft::go_named("spinner", [c] {
            c.send(1);
            std::atomic<bool> stop{false};
            while (!stop.load(std::memory_order_relaxed)) {
            }
          });
          c.recv();
          block.close();
        }, o);
        (void)r;
      },
      ::testing::ExitedWithCode(124),
      "weft: hang in iteration 1 [^\n]*\n\n"
      "no visible operation for [0-9]+ ms [^\n]*\n"
      "[^\n]*\n"
      "goroutine 6 \"spinner\" \\[running\\]:\n"
      "    last visible operation at [^\n]*stack_compact_test.cpp:[0-9]+:[0-9]+");
}

// ---- Under weft::run: on one processor, with no weft::blocking call made yet ----

weft::RunOptions run_opts(std::size_t compact_from, unsigned procs = 1) {
  weft::RunOptions o;
  o.procs = procs;
  o.use_environment = false;
  o.compact_stacks_from = compact_from;
  return o;
}

TEST(RunStackCompact, BlockedGoroutinesAreCompactedAndWakeWithTheirStacksIntact) {
  const bool compacts = expect_compaction();
  const std::uint64_t before = compacted_so_far();
  std::string log;
  ASSERT_EQ(weft::run([&] { log = blocked_everywhere(40); }, run_opts(1)), 0);
  EXPECT_EQ(std::count(log.begin(), log.end(), ','), 40);
  if (compacts) {
    // Each of the 160 blocks at least once: main yields long enough for all of them to run.
    EXPECT_GE(compacted_so_far() - before, 160u);
  }
}

TEST(RunStackCompact, OthersWritingIntoACompactedStackSeeAndKeepTheRightBytes) {
  const bool compacts = expect_compaction();
  const std::uint64_t faults = fault_restores_so_far();
  long sum = 0;
  bool slots_ok = true;
  ASSERT_EQ(weft::run([&] {
              long local_sum = 0;
              long slots[64] = {};
              weft::WaitGroup wg;
              wg.add(64);
              for (int i = 0; i < 64; ++i)
                weft::go([&, i] {  // they run once main is blocked in wait(), compacted
                  slots[i] = i * 3;
                  local_sum += i;
                  wg.done();
                });
              wg.wait();
              sum = local_sum;
              for (int i = 0; i < 64; ++i) slots_ok = slots_ok && slots[i] == i * 3;
            }, run_opts(1)),
            0);
  EXPECT_EQ(sum, 64 * 63 / 2);
  EXPECT_TRUE(slots_ok);
  if (compacts) {
    EXPECT_GT(fault_restores_so_far(), faults);
  }
}

TEST(RunStackCompact, APointerToAParkedGoroutinesLocalStaysValid) {
  long seen = 0;
  ASSERT_EQ(weft::run([&] {
              auto where = weft::make_chan<long*>(1);
              auto wake = weft::make_chan<int>();
              auto result = weft::make_chan<long>(1);
              weft::go([=] {
                long mine = 5;
                where.send(&mine);
                (void)wake.recv();
                result.send(mine);
              });
              long* p = where.recv();
              weft::yield();  // the owner blocks in recv, compacted
              *p = 77;
              wake.send(1);
              seen = result.recv();
            }, run_opts(1)),
            0);
  EXPECT_EQ(seen, 77);
}

// A select's waiters sit in three channels' queues while it is compacted (as heap proxies);
// woken through one, it comes back with the others unlinked, blocks again, and so on.
void selects_wake_intact_round_after_round(unsigned procs) {
  constexpr int kGoroutines = 30, kRounds = 4;
  long total = 0;
  std::atomic<int> bad{0};
  ASSERT_EQ(weft::run([&] {
              auto a = weft::make_chan<long>(), b = weft::make_chan<long>(),
                   c = weft::make_chan<long>();
              auto sums = weft::make_chan<long>(kGoroutines);
              for (int g = 0; g < kGoroutines; ++g)
                weft::go([=, &bad] {
                  long sum = 0;
                  for (int r = 0; r < kRounds; ++r) {
                    long v = 0;
                    if (!locals_survive(g * 10 + r, [&] {
                          weft::select(weft::recv_case(a, [&](long x) { v = x; }),
                                       weft::recv_case(b, [&](long x) { v = x; }),
                                       weft::recv_case(c, [&](long x) { v = x; }));
                        }))
                      ++bad;
                    sum += v;
                  }
                  sums.send(sum);
                });
              for (long i = 1; i <= kGoroutines * kRounds; ++i) {
                const auto& ch = i % 3 == 0 ? a : i % 3 == 1 ? b : c;
                ch.send(i);
              }
              for (int g = 0; g < kGoroutines; ++g) total += sums.recv();
            }, run_opts(1, procs)),
            0);
  const long n = kGoroutines * kRounds;
  EXPECT_EQ(total, n * (n + 1) / 2);
  EXPECT_EQ(bad.load(), 0);
}

TEST(RunStackCompact, SelectsOverSeveralChannelsWakeIntactRoundAfterRound) {
  selects_wake_intact_round_after_round(1);
}

// With two processors a select's waiters are not proxied (stack_compact.hpp): the senders
// walking the queues past them fault and bring those stacks back.
TEST(RunStackCompact, OnTwoProcessorsSelectsOverSeveralChannelsWakeIntactRoundAfterRound) {
  selects_wake_intact_round_after_round(2);
}

// Goroutines made beyond the threshold are counted with those blocked before it: below it
// nothing is compacted, past it every blocked one is (the earlier ones when it is reached).
TEST(RunStackCompact, TheThresholdCountsLiveGoroutines) {
  const bool compacts = expect_compaction();
  for (const std::size_t from : {std::size_t{100}, std::size_t{50}}) {
    const std::uint64_t before = compacted_so_far();
    ASSERT_EQ(weft::run([] {
                auto block = weft::make_chan<int>();
                weft::WaitGroup wg;
                wg.add(60);
                for (int i = 0; i < 60; ++i)
                  weft::go([&wg, block] {
                    wg.done();
                    (void)block.recv();
                  });
                wg.wait();
                block.close();
              }, run_opts(from)),
              0);
    if (from == 100) {
      EXPECT_EQ(compacted_so_far(), before);
    } else if (compacts) {
      EXPECT_GE(compacted_so_far() - before, 60u);  // 61 alive, main included
    }
  }
}

// The first weft::blocking call brings every compacted stack back (its worker thread runs
// beside the processor) and compaction goes on shared (or ends for the run, where this
// process has no userfaultfd); the goroutines still wake intact.
TEST(RunStackCompact, TheFirstBlockingCallMakesCompactionShared) {
  const bool compacts = expect_compaction();
  const bool shared = expect_shared_compaction();
  const std::uint64_t shared_before = shared_so_far();
  std::uint64_t at_call = 0, after_call = 0;
  int bad = 0;
  const std::uint64_t before = compacted_so_far();
  ASSERT_EQ(weft::run([&] {
              auto block = weft::make_chan<int>();
              weft::WaitGroup started, finished;
              auto spawn = [&](int n, int seed) {
                started.add(n);
                finished.add(n);
                for (int i = 0; i < n; ++i)
                  weft::go([&, i, seed, block] {
                    if (!locals_survive(seed + i, [&] {
                          started.done();
                          (void)block.recv();
                        }))
                      ++bad;
                    finished.done();
                  });
                started.wait();
              };
              spawn(20, 0);
              at_call = compacted_so_far();
              weft::blocking([] {});
              spawn(20, 100);  // these block after the call: compacted shared, if at all
              after_call = compacted_so_far();
              block.close();
              finished.wait();
            }, run_opts(1)),
            0);
  EXPECT_EQ(bad, 0);
  if (compacts) {
    EXPECT_GE(at_call - before, 20u);
  }
  if (shared) {
    EXPECT_GE(after_call - at_call, 20u);
    EXPECT_GE(shared_so_far() - shared_before, 20u);
  } else {
    EXPECT_EQ(after_call, at_call);
  }
}

// ---- On more than one processor (shared compaction, through the userfaultfd) ----

// Blocked on channels, mutexes, WaitGroups and conds on two processors, compacted, and woken
// by goroutines on either: every one finds its locals intact.
TEST(RunStackCompact, OnTwoProcessorsBlockedGoroutinesAreCompactedAndWakeIntact) {
  const bool shared = expect_shared_compaction();
  const std::uint64_t before = shared_so_far();
  std::string log;
  for (int round = 0; round < 3; ++round)
    ASSERT_EQ(weft::run([&] { log = blocked_everywhere(40); }, run_opts(1, 2)), 0);
  EXPECT_EQ(std::count(log.begin(), log.end(), ','), 40);
  if (shared) {
    // Each of the 160 blocks at least once a round, and is compacted unless a waker on the
    // other processor made it current first: most are.
    EXPECT_GE(shared_so_far() - before, 3u * 160 / 2);
  } else {
    EXPECT_EQ(shared_so_far(), before);
  }
}

// The goroutine running now, and whether its stack is compacted.
const weft::detail::G* self_g() { return weft::detail::current_scheduler()->current(); }
bool is_compacted(const weft::detail::G* g) {
  return g->stack_state.load() == weft::detail::StackState::compacted;
}

// Main blocks in wait() on a WaitGroup in its own stack and is compacted; only then do
// the workers, on both processors, write into main's locals and call done() there: each
// touch that finds the stack compacted brings it back, atomically for the other
// processor, and nothing written is lost.
TEST(RunStackCompact, OnTwoProcessorsWorkersWriteIntoAMainStackCompactedMeanwhile) {
  const bool shared = expect_shared_compaction();
  const std::uint64_t faults = fault_restores_so_far();
  constexpr int kWorkers = 64, kRounds = 20;
  int bad_rounds = 0;
  int compacted_rounds = 0;
  ASSERT_EQ(weft::run([&] {
              const weft::detail::G* main_g = self_g();
              for (int round = 0; round < kRounds; ++round) {
                std::atomic<long> sum{0};
                long slots[kWorkers] = {};
                weft::WaitGroup wg;
                auto gate = weft::make_chan<int>();
                bool saw_compacted = false;
                wg.add(kWorkers);
                for (int i = 0; i < kWorkers; ++i)
                  weft::go([&, i, gate] {
                    (void)gate.recv();  // closed once main is compacted
                    slots[i] = round * 1000 + i;
                    sum.fetch_add(i);
                    wg.done();
                  });
                weft::go([&, gate, main_g] {
                  // Until main is compacted (it blocks in wait() below); where compaction
                  // is unavailable, at once. Nothing on main's stack is read meanwhile
                  // (that would bring it back): main_g is a copy, `shared` the test's.
                  while (shared && !is_compacted(main_g)) weft::yield();
                  saw_compacted = shared;
                  gate.close();
                });
                wg.wait();
                bool ok = sum.load() == kWorkers * (kWorkers - 1) / 2;
                for (int i = 0; i < kWorkers; ++i) ok = ok && slots[i] == round * 1000 + i;
                if (!ok) ++bad_rounds;
                if (saw_compacted) ++compacted_rounds;
              }
            }, run_opts(1, 2)),
            0);
  EXPECT_EQ(bad_rounds, 0);
  if (shared) {
    EXPECT_EQ(compacted_rounds, kRounds);
    EXPECT_GE(fault_restores_so_far() - faults, static_cast<std::uint64_t>(kRounds));
  }
}

// Many goroutines blocked on one WaitGroup that lives in main's (compacted) stack, each with
// a deep stack of its own; main's done() on one processor wakes them onto both, and a
// pointer each handed out into its stack is written by a goroutine on the other meanwhile.
TEST(RunStackCompact, OnTwoProcessorsManyDeepGoroutinesWakeFromAWaitGroupInMainsStack) {
  const bool shared = expect_shared_compaction();
  const std::uint64_t before = shared_so_far();
  constexpr int kGoroutines = 200;
  std::atomic<int> bad{0};
  long total = 0;
  ASSERT_EQ(weft::run([&] {
              weft::WaitGroup release, parked, done;
              auto where = weft::make_chan<long*>(kGoroutines);
              std::atomic<long> sum{0};
              release.add(1);
              parked.add(kGoroutines);
              done.add(kGoroutines);
              for (int i = 0; i < kGoroutines; ++i)
                weft::go([&, i] {
                  long mine = -1;
                  auto block = [&] {
                    where.send(&mine);
                    parked.done();
                    release.wait();
                  };
                  if (!deep_then_block(8 + i % 8, block)) bad.fetch_add(1);
                  sum.fetch_add(mine);
                  done.done();
                });
              parked.wait();
              // Everyone has parked (and been compacted): write into their stacks from here.
              for (int i = 0; i < kGoroutines; ++i) *where.recv() = i;
              release.done();
              done.wait();
              total = sum.load();
            }, run_opts(1, 2)),
            0);
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(total, kGoroutines * (kGoroutines - 1) / 2);
  if (shared) {
    EXPECT_GE(shared_so_far() - before, static_cast<std::uint64_t>(kGoroutines));
  }
}

// Compacting and restoring splits the stack chunk's mapping only while it is under way:
// hundreds of compacted stacks leave the process's map count where it was.
TEST(RunStackCompact, OnTwoProcessorsTheMapCountDoesNotGrowWithCompactedStacks) {
  const bool shared = expect_shared_compaction();
  const auto mappings = [] {
    std::FILE* f = std::fopen("/proc/self/maps", "r");
    std::size_t n = 0;
    if (!f) return n;
    for (int c; (c = std::fgetc(f)) != EOF;) n += c == '\n';
    std::fclose(f);
    return n;
  };
  const std::uint64_t before = shared_so_far();
  std::size_t while_compacted = 0, at_start = 0;
  ASSERT_EQ(weft::run([&] {
              auto block = weft::make_chan<int>();
              weft::WaitGroup started, finished;
              started.add(500);
              finished.add(500);
              at_start = mappings();
              for (int i = 0; i < 500; ++i)
                weft::go([&, block] {
                  started.done();
                  (void)block.recv();
                  finished.done();
                });
              started.wait();
              for (int k = 0; k < 10; ++k) weft::yield();
              while_compacted = mappings();
              block.close();
              finished.wait();
            }, run_opts(1, 2)),
            0);
  if (shared) {
    EXPECT_GE(shared_so_far() - before, 400u);
  }
  // Stacks for 500 goroutines take a few chunks (a mapping each) and the run's threads
  // theirs; one mapping per compacted stack would be hundreds.
  EXPECT_LT(while_compacted, at_start + 40) << at_start;
}

TEST(RunStackCompact, TheEnvironmentSetsTheThresholdAndABadValueIsRefused) {
  weft::RunOptions o = run_opts(1);
  o.use_environment = true;
  ::setenv("WEFT_COMPACT_STACKS", "0", 1);
  const std::uint64_t before = compacted_so_far();
  EXPECT_EQ(weft::run([] { blocked_everywhere(4); }, o), 0);
  EXPECT_EQ(compacted_so_far(), before);
  ::setenv("WEFT_COMPACT_STACKS", "lots", 1);
  testing::internal::CaptureStderr();
  EXPECT_EQ(weft::run([] {}, o), 2);
  const std::string err = testing::internal::GetCapturedStderr();
  ::unsetenv("WEFT_COMPACT_STACKS");
  EXPECT_NE(err.find("WEFT_COMPACT_STACKS='lots' is not a whole number"), std::string::npos)
      << err;
}

// The run's fault handler passes every other SIGSEGV on: a bad pointer is still a crash.
TEST(RunStackCompactDeathTest, ANullDereferenceAmongCompactedStacksIsStillACrash) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        (void)weft::run([] {
          auto block = weft::make_chan<int>();
          for (int i = 0; i < 4; ++i) weft::go([block] { (void)block.recv(); });
          weft::yield();
          write_through(reinterpret_cast<int*>(std::uintptr_t{0x10}));
        }, run_opts(1));
      },
      dies_of_segv, "");
}

}  // namespace

}  // namespace stack_compact_test
