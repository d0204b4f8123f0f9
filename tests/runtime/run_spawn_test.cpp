// Spawning under weft::run: goroutine records pooled per processor, bodies built in place in
// the record when they fit (heap otherwise), stacks bound when a goroutine first runs. What
// is asserted: every body runs once and is destroyed once, whatever its size and whether it
// ever ran; spawns from every processor at once lose nothing; a record that comes back to
// the pool — after its goroutine ended, or after building a body threw — carries nothing of
// its last goroutine. The white-box tests (record and stack reuse) run at one processor,
// where the order is fixed: LIFO free lists, and the spawner yields when its ring is full.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "goroutine.hpp"
#include "weft/weft.hpp"

#include "test_support.hpp"

namespace run_spawn_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using weft_test::procs;

// Counts the objects alive: a body that is destroyed twice, or never, shows.
struct Tracked {
  explicit Tracked(std::atomic<long>* live) : live(live) { live->fetch_add(1); }
  Tracked(const Tracked& o) : live(o.live) { live->fetch_add(1); }
  Tracked(Tracked&& o) noexcept : live(o.live) { live->fetch_add(1); }
  Tracked& operator=(const Tracked&) = delete;
  ~Tracked() { live->fetch_sub(1); }
  std::atomic<long>* live;
};

// A payload too big for the record's slot (weft::detail::kInlineBodyBytes).
struct Big {
  std::array<long, 40> v{};
};
static_assert(sizeof(Big) > weft::detail::kInlineBodyBytes);

class RunSpawn : public ::testing::TestWithParam<unsigned> {};

TEST_P(RunSpawn, SmallAndLargeBodiesRunOnceAndAreDestroyedOnce) {
  constexpr long n = 3000;
  std::atomic<long> live{0}, ran{0}, sum{0};
  ASSERT_EQ(weft::run([&] {
              weft::WaitGroup wg;
              wg.add(2 * n);
              for (long i = 0; i < n; ++i) {
                weft::go([&, t = Tracked(&live), i] {
                  sum.fetch_add(i);
                  ran.fetch_add(1);
                  wg.done();
                });
                Big big;
                big.v.fill(i);
                big.v.back() = 2 * i;
                weft::go(
                    [&](const Tracked&, const Big& b) {
                      long s = 0;
                      for (long x : b.v) s += x;
                      sum.fetch_add(s);
                      ran.fetch_add(1);
                      wg.done();
                    },
                    Tracked(&live), big);
              }
              wg.wait();
            }, procs(GetParam())),
            0);
  EXPECT_EQ(ran.load(), 2 * n);
  // Small bodies add i; large ones 39 * i + 2 * i.
  EXPECT_EQ(sum.load(), 42 * (n * (n - 1) / 2));
  EXPECT_EQ(live.load(), 0);
}

// Bodies of goroutines that never ran (main returned first) are destroyed when the run
// ends, in the slot or on the heap alike; so are those of goroutines abandoned while blocked.
TEST_P(RunSpawn, BodiesOfGoroutinesThatNeverRanAreDestroyedAtTheEnd) {
  std::atomic<long> live{0};
  ASSERT_EQ(weft::run([&] {
              auto never = weft::make_chan<int>();
              for (int i = 0; i < 50; ++i) {
                weft::go([t = Tracked(&live)] {});
                weft::go([t = Tracked(&live), b = Big()] { (void)b; });
                weft::go([t = Tracked(&live), never] { never.recv(); });
              }
              EXPECT_GT(live.load(), 0);
            }, procs(GetParam())),
            0);
  EXPECT_EQ(live.load(), 0);
}

// Spawners on every processor at once, and goroutines that spawn while others die
// elsewhere: records move between processors' free lists and the global one.
TEST_P(RunSpawn, SpawnsFromEveryProcessorAllRunOnce) {
  constexpr long spawners = 8, per = 1500;
  std::vector<std::atomic<int>> marks(spawners * per * 2);
  ASSERT_EQ(weft::run([&] {
              weft::WaitGroup wg;
              wg.add(spawners * per * 2);
              for (long s = 0; s < spawners; ++s)
                weft::go([&, s] {
                  for (long k = 0; k < per; ++k) {
                    const long v = (s * per + k) * 2;
                    weft::go([&, v] {
                      marks[static_cast<std::size_t>(v)].fetch_add(1);
                      weft::go([&, v] {  // a child spawned from wherever this one runs
                        marks[static_cast<std::size_t>(v + 1)].fetch_add(1);
                        wg.done();
                      });
                      wg.done();
                    });
                    if (k % 64 == 0) weft::yield();
                  }
                });
              wg.wait();
            }, procs(GetParam())),
            0);
  long bad = 0;
  for (const auto& m : marks) bad += m.load() != 1;
  EXPECT_EQ(bad, 0);
}

// A goroutine that ends starts the next one on its own stack when that one has not started
// yet; one that then blocks keeps the stack, and the next starts on another. Goroutines
// blocked at once each keep their frames: a canary written before blocking is intact after.
TEST_P(RunSpawn, GoroutinesStartedOnAFinishedOnesStackKeepTheirFrames) {
  constexpr int n = 300;
  std::vector<const void*> frames(n);
  std::atomic<int> intact{0};
  ASSERT_EQ(weft::run([&] {
              auto release = weft::make_chan<weft::Unit>();
              weft::WaitGroup blocked, done;
              blocked.add(n);
              done.add(2 * n);
              for (int i = 0; i < n; ++i) {
                weft::go([&] { done.done(); });  // ends at once: the next may start on its stack
                weft::go([&, i, release] {
                  long canary[16];  // its address escapes: kept in memory across recv()
                  for (long& c : canary) c = i * 1000 + 7;
                  frames[static_cast<std::size_t>(i)] = canary;
                  blocked.done();
                  release.recv();
                  bool ok = true;
                  for (long c : canary) ok = ok && c == i * 1000 + 7;
                  if (ok) intact.fetch_add(1);
                  done.done();
                });
              }
              blocked.wait();
              release.close();
              done.wait();
            }, procs(GetParam())),
            0);
  EXPECT_EQ(intact.load(), n);
  const std::set<const void*> distinct(frames.begin(), frames.end());
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(n));
}

INSTANTIATE_TEST_SUITE_P(Procs, RunSpawn, ::testing::Values(1u, 2u, 4u),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

// At one processor a loop of spawns that never blocks runs what it queued whenever its
// ring fills, so it reuses a few hundred records rather than making one per spawn.
TEST(RunSpawnReuse, ALoopOfSpawnsReusesRecords) {
  constexpr long n = 20000;
  std::vector<const weft::detail::G*> seen(n);
  ASSERT_EQ(weft::run([&] {
              weft::WaitGroup wg;
              wg.add(n);
              for (long i = 0; i < n; ++i)
                weft::go([&, i] {
                  seen[static_cast<std::size_t>(i)] = weft::detail::current();
                  wg.done();
                });
              wg.wait();
            }, procs(1)),
            0);
  const std::set<const weft::detail::G*> distinct(seen.begin(), seen.end());
  EXPECT_EQ(distinct.count(nullptr), 0u);
  EXPECT_LE(distinct.size(), 1000u);
}

// A goroutine that blocked in a select and ended hands its record and its stack to the
// next goroutine spawned on that processor; that one shows its own name (none), its own
// state and where it blocked, and none of the last one's call marks or compaction state.
TEST(RunSpawnReuse, AReusedRecordAndStackCarryNothingOfTheLastGoroutine) {
  std::string dump;
  const weft::detail::G* first = nullptr;
  const weft::detail::G* second = nullptr;
  const void* first_stack = nullptr;
  const void* second_stack = nullptr;
  weft::GoId first_id = 0, second_id = 0;
  bool second_clean = false;
  ASSERT_EQ(weft::run([&] {
              auto a = weft::make_chan<int>(), b = weft::make_chan<int>();
              auto done = weft::make_chan<weft::Unit>();
              weft::go_named("first-goroutine", [&, a, b, done] {
                const weft::detail::G* g = weft::detail::current();
                first = g;
                first_stack = g->stack.bottom;
                first_id = weft::goid();
                weft::select(weft::recv_case(a, [](int) {}),
                             weft::recv_case(b, [](int) {}));
                done.close();
              });
              a.send(1);
              done.recv();
              weft::yield();  // the first one's exit completes on the processor
              auto c = weft::make_chan<int>();
              auto started = weft::make_chan<weft::Unit>();
              weft::go([&, c, started] {
                const weft::detail::G* g = weft::detail::current();
                second = g;
                second_stack = g->stack.bottom;
                second_id = weft::goid();
                second_clean = g->name.empty() && g->ncalls == 0 && g->compacted == nullptr &&
                               !g->compact_pending && g->waiters == nullptr;
                started.close();
                c.recv();
              });
              started.recv();
              testing::internal::CaptureStderr();
              weft::dump_goroutines();
              dump = testing::internal::GetCapturedStderr();
              c.send(1);
            }, procs(1)),
            0);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(second, first) << "the record was not reused";
  EXPECT_EQ(second_stack, first_stack) << "the stack was not reused";
  EXPECT_NE(second_id, first_id);
  EXPECT_TRUE(second_clean);
  EXPECT_EQ(dump.find("first-goroutine"), std::string::npos) << dump;
  EXPECT_NE(dump.find("goroutine " + std::to_string(second_id) + " [chan receive"),
            std::string::npos)
      << dump;
}

// Copying the body into its record throws inside go(): the exception reaches the caller, no
// goroutine starts, nothing leaks, and the record taken for it serves the next spawn.
struct ThrowsOnCopy {
  ThrowsOnCopy() = default;
  ThrowsOnCopy(const ThrowsOnCopy&) { throw std::runtime_error("copy refused"); }
  ThrowsOnCopy(ThrowsOnCopy&&) noexcept = default;
};

TEST(RunSpawnReuse, ABodyThatThrowsWhileBuiltLeavesItsRecordForTheNextSpawn) {
  std::atomic<long> live{0};
  std::atomic<int> ran{0};
  std::string what, dump;
  const weft::detail::G* reused = nullptr;
  const weft::detail::G* before = nullptr;
  ASSERT_EQ(weft::run([&] {
              weft::WaitGroup wg;
              wg.add(1);
              weft::go([&] {
                before = weft::detail::current();
                wg.done();
              });
              wg.wait();
              weft::yield();  // its record is back on the free list
              try {
                // Small enough for the slot: go() copies it there, after taking a record.
                const auto body = [&, t = Tracked(&live), x = ThrowsOnCopy()] {
                  (void)x;
                  ran.fetch_add(1);
                };
                static_assert(sizeof(weft::detail::BoundCall<decltype(body)>) <=
                              weft::detail::kInlineBodyBytes);
                weft::go(body);
              } catch (const std::runtime_error& e) {
                what = e.what();
              }
              testing::internal::CaptureStderr();
              weft::dump_goroutines();
              dump = testing::internal::GetCapturedStderr();
              wg.add(1);
              weft::go([&] {
                reused = weft::detail::current();
                ran.fetch_add(10);
                wg.done();
              });
              wg.wait();
            }, procs(1)),
            0);
  EXPECT_EQ(what, "copy refused");
  EXPECT_EQ(ran.load(), 10);
  EXPECT_EQ(live.load(), 0);
  EXPECT_EQ(reused, before);
  // Only main is alive at the dump: the cancelled record is not listed.
  EXPECT_NE(dump.find("goroutine 1 [running]"), std::string::npos) << dump;
  EXPECT_EQ(dump.find("runnable"), std::string::npos) << dump;
}

// A goroutine that panicked and recovered (caught its weft::Panic) ends normally; its
// record, reused, runs the next body.
TEST(RunSpawnReuse, ARecordIsReusedAfterItsGoroutinePanickedAndRecovered) {
  const weft::detail::G* panicked = nullptr;
  const weft::detail::G* next = nullptr;
  std::string caught;
  int after = 0;
  ASSERT_EQ(weft::run([&] {
              auto c = weft::make_chan<int>();
              weft::go([&, c] {
                panicked = weft::detail::current();
                try {
                  c.close();
                  c.close();  // panics: close of closed channel
                } catch (const weft::Panic& p) {
                  caught = p.what();
                }
              });
              for (auto v : c) (void)v;
              weft::yield();
              auto d = weft::make_chan<int>();
              weft::go([&, d] {
                next = weft::detail::current();
                d.send(7);
              });
              after = d.recv();
            }, procs(1)),
            0);
  EXPECT_EQ(caught, "close of closed channel");
  EXPECT_EQ(after, 7);
  EXPECT_EQ(next, panicked);
}

}  // namespace

}  // namespace run_spawn_test
