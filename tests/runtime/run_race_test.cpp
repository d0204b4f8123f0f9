// Race detection under weft::run (RunOptions::detect_races): the detector watches the real
// execution on every processor. Every assertion holds in every interleaving the operating
// system may choose: the racy programs race in all of them (two unordered writes), and the
// synchronised ones are ordered in all of them, so they must never be reported, however the
// goroutines spread over the processors. Each runs at procs 1, 2 and 4.
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

namespace run_race_test {  // this file's names, apart from the other tests' in a unity build

namespace {

weft::RunOptions racy_opts(unsigned procs) { return weft_test::racy_procs(procs); }
using Outcome = weft_test::RunOutcome;
using weft_test::run_capturing;

std::size_t occurrences(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

// Two goroutines write one Shared<int> with nothing ordering them; `second_after_first` (a
// flag the detector cannot see, as in ThreadSanitizer's tests) makes the second writer start
// after the first wrote, so the report's current and previous sides are always the same.
// Returns the line of each write.
struct Lines {
  unsigned first = 0, second = 0, go_first = 0, go_second = 0;
};
Lines two_unordered_writes(weft::Shared<int>& x, std::atomic<bool>& wrote,
                           weft::WaitGroup& wg) {
  Lines l;
  wg.add(2);
  // clang-format off
  l.go_first = __LINE__; weft::go([&] {
    x.write(1); wrote.store(true);  // (line of first write: go_first + 1)
    wg.done();
  });
  l.go_second = __LINE__; weft::go([&] {
    while (!wrote.load()) weft::yield();
    x.write(2);  // (line of second write: go_second + 2)
    wg.done();
  });
  // clang-format on
  l.first = l.go_first + 1;
  l.second = l.go_second + 2;
  wg.wait();
  return l;
}

class RunRace : public ::testing::TestWithParam<unsigned> {};

TEST_P(RunRace, TwoUnorderedWritesAreReportedAndRunReturns66) {
  Lines lines;
  const Outcome out = run_capturing(
      [&] {
        weft::Shared<int> x;
        std::atomic<bool> wrote{false};
        weft::WaitGroup wg;
        lines = two_unordered_writes(x, wrote, wg);
      },
      racy_opts(GetParam()));
  EXPECT_EQ(out.status, 66) << out.err;
  EXPECT_EQ(occurrences(out.err, "WARNING: DATA RACE"), 1u) << out.err;
  // The second write (current), then the first (previous), then where each goroutine was
  // created. Ids depend on the processor that ran main (handed out in batches).
  const auto at = [&](const std::string& what) { return out.err.find(what); };
  const std::string file = "run_race_test.cpp:";
  const auto current = at("Write of size 4 by goroutine ");
  const auto second = at(file + std::to_string(lines.second) + ":");
  const auto previous = at("Previous write by goroutine ");
  const auto first = at(file + std::to_string(lines.first) + ":");
  const auto created = at(file + std::to_string(lines.go_first) + ":");
  for (auto pos : {current, second, previous, first, created})
    ASSERT_NE(pos, std::string::npos) << out.err;
  EXPECT_LT(current, second) << out.err;
  EXPECT_LT(second, previous) << out.err;
  EXPECT_LT(previous, first) << out.err;
  EXPECT_LT(first, created) << out.err;
  EXPECT_EQ(occurrences(out.err, "\nGoroutine "), 2u) << out.err;  // where each was created
  EXPECT_NE(at(file + std::to_string(lines.go_second) + ":"), std::string::npos) << out.err;
}

// Goroutine ids renumbered 1, 2, ... in order of first appearance.
std::string renumbered(const std::string& report) {
  std::string out;
  std::vector<std::string> seen;
  std::size_t i = 0;
  while (i < report.size()) {
    const bool word = report.compare(i, 10, "goroutine ") == 0 ||
                      report.compare(i, 10, "Goroutine ") == 0;
    if (!word) {
      out += report[i++];
      continue;
    }
    out.append(report, i, 10);
    i += 10;
    std::size_t j = i;
    while (j < report.size() && std::isdigit(static_cast<unsigned char>(report[j]))) ++j;
    const std::string id = report.substr(i, j - i);
    std::size_t k = 0;
    while (k < seen.size() && seen[k] != id) ++k;
    if (k == seen.size()) seen.push_back(id);
    out += "#" + std::to_string(k + 1);
    i = j;
  }
  return out;
}

// The report under weft::run is the one weft::explore prints for the same execution (up to
// goroutine ids, which weft::run hands out per processor).
TEST_P(RunRace, ReportIsExploresReport) {
  const auto body = [] {
    weft::Shared<int> x;
    std::atomic<bool> wrote{false};
    weft::WaitGroup wg;
    (void)two_unordered_writes(x, wrote, wg);
  };
  const Outcome out = run_capturing(body, racy_opts(GetParam()));
  ASSERT_EQ(out.status, 66) << out.err;
  weft::ExploreResult explored = weft::explore(body, weft_test::opts(50));
  ASSERT_TRUE(explored.failure.has_value());
  ASSERT_EQ(explored.failure->kind, weft::FailureKind::data_race);
  EXPECT_EQ(renumbered(out.err), renumbered(explored.failure->report));
}

// Go's halt_on_error=0: the same race, met again and again, is printed once and the
// program runs to its end.
TEST_P(RunRace, EachDistinctRaceIsReportedOnceAndTheProgramRunsOn) {
  bool finished = false;
  const Outcome out = run_capturing(
      [&] {
        weft::Shared<int> x;
        weft::WaitGroup wg;
        wg.add(2);
        for (int w = 0; w < 2; ++w)
          weft::go([&] {
            for (int i = 0; i < 100; ++i) x.write(i);
            wg.done();
          });
        wg.wait();
        finished = true;
      },
      racy_opts(GetParam()));
  EXPECT_EQ(out.status, 66) << out.err;
  EXPECT_TRUE(finished);
  EXPECT_EQ(occurrences(out.err, "WARNING: DATA RACE"), 1u) << out.err;
}

TEST_P(RunRace, ARaceThroughTheHeapIsReported) {
  const Outcome out = run_capturing(
      [] {
        auto* v = new std::vector<int>(4);
        weft::WaitGroup wg;
        wg.add(2);
        for (int w = 0; w < 2; ++w)
          weft::go([&] {
            weft::race::write(v->data(), sizeof(int));
            wg.done();
          });
        wg.wait();
        delete v;
      },
      racy_opts(GetParam()));
  EXPECT_EQ(out.status, 66) << out.err;
  EXPECT_EQ(occurrences(out.err, "WARNING: DATA RACE"), 1u) << out.err;
}

// A read-modify-write under a Mutex by one goroutine and without it by another.
TEST_P(RunRace, AnAccessOutsideTheLockIsReported) {
  const Outcome out = run_capturing(
      [] {
        weft::Mutex mu;
        weft::Shared<long> n;
        std::atomic<bool> locked_done{false};
        weft::WaitGroup wg;
        wg.add(2);
        weft::go([&] {
          mu.lock();
          n.with_mut([](long& v) { ++v; });
          mu.unlock();
          locked_done.store(true);
          wg.done();
        });
        weft::go([&] {
          while (!locked_done.load()) weft::yield();
          n.with_mut([](long& v) { ++v; });  // no lock
          wg.done();
        });
        wg.wait();
      },
      racy_opts(GetParam()));
  EXPECT_EQ(out.status, 66) << out.err;
  EXPECT_NE(out.err.find("WARNING: DATA RACE"), std::string::npos) << out.err;
}

// ---- Correctly synchronised programs: never a report, over many runs ----

constexpr int kRuns = 20;

template <class F>
void expect_no_report(F body, unsigned procs) {
  for (int i = 0; i < kRuns; ++i) {
    const Outcome out = run_capturing(body, racy_opts(procs));
    ASSERT_EQ(out.status, 0) << "run " << i << ":\n" << out.err;
    ASSERT_EQ(out.err.find("WARNING"), std::string::npos) << "run " << i << ":\n" << out.err;
  }
}

TEST_P(RunRace, ChannelHandOffsAreNoRace) {
  for (std::size_t cap : {0u, 1u, 4u})
    expect_no_report(
        [cap] {
          // A value written before a send is read after the matching receive, in turn along
          // a ring of goroutines; the buffer slots' edges carry it too.
          auto c = weft::make_chan<int>(cap);
          auto back = weft::make_chan<int>(cap);
          weft::Shared<int> data;
          weft::go([&, c, back] {
            for (int i = 0; i < 50; ++i) {
              int v = c.recv();
              data.write(data.read() + v);
              back.send(1);
            }
          });
          for (int i = 0; i < 50; ++i) {
            data.write(data.read() + 1);
            c.send(1);
            (void)back.recv();
          }
          (void)data.read();
        },
        GetParam());
}

TEST_P(RunRace, MutexProtectedCounterIsNoRace) {
  expect_no_report(
      [] {
        weft::Mutex mu;
        weft::Shared<long> n;
        weft::WaitGroup wg;
        const int workers = 8;
        wg.add(workers);
        for (int w = 0; w < workers; ++w)
          weft::go([&] {
            for (int i = 0; i < 100; ++i) {
              mu.lock();
              n.with_mut([](long& v) { ++v; });
              mu.unlock();
            }
            wg.done();
          });
        wg.wait();
        weft::check(n.read() == workers * 100, "every increment counted");
      },
      GetParam());
}

TEST_P(RunRace, RWMutexReadersAndWritersAreNoRace) {
  expect_no_report(
      [] {
        weft::RWMutex mu;
        weft::Shared<long> n;
        weft::WaitGroup wg;
        wg.add(6);
        for (int w = 0; w < 6; ++w)
          weft::go([&, w] {
            for (int i = 0; i < 50; ++i) {
              if (w % 2 == 0) {
                mu.lock();
                n.with_mut([](long& v) { ++v; });
                mu.unlock();
              } else {
                mu.lock_shared();
                (void)n.read();
                mu.unlock_shared();
              }
            }
            wg.done();
          });
        wg.wait();
      },
      GetParam());
}

TEST_P(RunRace, WaitGroupPublishesWorkersResults) {
  expect_no_report(
      [] {
        const int workers = 8;
        std::vector<std::unique_ptr<weft::Shared<int>>> slots;
        for (int w = 0; w < workers; ++w) slots.push_back(std::make_unique<weft::Shared<int>>());
        weft::WaitGroup wg;
        wg.add(workers);
        for (int w = 0; w < workers; ++w)
          weft::go([&, w] {
            slots[w]->write(w);
            wg.done();
          });
        wg.wait();
        int sum = 0;
        for (auto& s : slots) sum += s->read();
        weft::check(sum == workers * (workers - 1) / 2, "every slot written");
      },
      GetParam());
}

TEST_P(RunRace, AtomicFlagPublishesData) {
  expect_no_report(
      [] {
        weft::Shared<int> data;
        weft::Atomic<int> ready{0};
        weft::Atomic<int> count{0};
        weft::WaitGroup wg;
        wg.add(4);
        for (int r = 0; r < 4; ++r)
          weft::go([&] {
            while (ready.load() == 0) weft::yield();
            (void)data.read();
            count.fetch_add(1);
            wg.done();
          });
        data.write(42);
        ready.store(1);
        wg.wait();
        weft::check(count.load() == 4, "every reader ran");
      },
      GetParam());
}

TEST_P(RunRace, OnceCondAndSelectAreNoRace) {
  expect_no_report(
      [] {
        weft::Once once;
        weft::Shared<int> init;
        weft::Mutex mu;
        weft::Cond cond(mu);
        weft::Shared<int> queued;
        int items = 0;  // guarded by mu
        auto a = weft::make_chan<int>(), b = weft::make_chan<int>(1);
        weft::Shared<int> via_select;
        weft::WaitGroup wg;
        wg.add(4);
        for (int w = 0; w < 4; ++w)
          weft::go([&] {
            once.do_([&] { init.write(7); });
            (void)init.read();
            mu.lock();
            while (items == 0) cond.wait();
            --items;
            (void)queued.read();
            mu.unlock();
            wg.done();
          });
        weft::go([&, a, b] {
          via_select.write(1);
          a.send(1);
          via_select.write(2);
          b.send(2);
        });
        for (int i = 0; i < 2; ++i) {
          int got = 0;
          weft::select(weft::recv_case(a, [&](int v) { got = v; }),
                       weft::recv_case(b, [&](int v) { got = v; }));
          if (got == 2) (void)via_select.read();
        }
        mu.lock();
        queued.write(1);
        items = 4;
        cond.broadcast();
        mu.unlock();
        wg.wait();
      },
      GetParam());
}

// Goroutines come and go on the same stacks and the same heap blocks: what a dead one
// recorded there is forgotten, so nothing is reported between unrelated goroutines.
TEST_P(RunRace, ReusedStacksAndHeapBlocksAreNoRace) {
  expect_no_report(
      [] {
        weft::WaitGroup wg;
        for (int round = 0; round < 20; ++round) {
          wg.add(4);
          for (int w = 0; w < 4; ++w)
            weft::go([&] {
              weft::Shared<int> local;  // on the goroutine's stack
              local.write(1);
              auto* heap = new weft::Shared<int>;
              heap->write(2);
              delete heap;
              (void)local.read();
              wg.done();
            });
          wg.wait();
        }
      },
      GetParam());
}

TEST_P(RunRace, SpawnOrdersTheParentsWritesBeforeTheChild) {
  expect_no_report(
      [] {
        weft::Shared<int> x;
        x.write(1);
        auto done = weft::make_chan<int>();
        weft::go([&, done] {
          x.write(x.read() + 1);
          done.send(0);
        });
        (void)done.recv();
        (void)x.read();
      },
      GetParam());
}

TEST_P(RunRace, ContextCancellationAndTimersOrderTheirEffects) {
  expect_no_report(
      [] {
        using namespace std::chrono_literals;
        weft::Shared<int> x;
        auto [ctx, cancel] = weft::with_cancel(weft::background());
        auto finished = weft::make_chan<int>();
        weft::go([&x, ctx = ctx, finished] {
          (void)ctx.done().recv();  // returns because of cancel()
          x.write(x.read() + 1);
          finished.send(0);
        });
        x.write(1);
        cancel();
        (void)finished.recv();
        (void)weft::after(1ms).recv();  // a timer's channel, fired on some processor
        (void)x.read();
      },
      GetParam());
}

INSTANTIATE_TEST_SUITE_P(Procs, RunRace, ::testing::Values(1u, 2u, 4u),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

// The running goroutine's token, as its accesses read it (weft/detail/access.hpp), read
// afresh: through a thread-local address computed here, on the thread that runs this call.
[[gnu::noinline]] const void* active_here() {
  asm volatile("" ::: "memory");
  return weft::instr::detail::active;
}

// What a goroutine's accesses read per thread (its token, its processor's detector view) is
// bound to it on every resume, on whichever processor resumes it: read afresh after each of
// many hand-offs and yields that move goroutines between processors, the token is always the
// goroutine's own; and the writes between them are checked as theirs (no report: each
// goroutine writes only its own variable, which main reads after the Wait).
TEST_P(RunRace, EveryResumeBindsTheGoroutinesPerThreadState) {
  constexpr int kGoroutines = 8, kRounds = 300;
  std::atomic<int> wrong{0}, null{0};
  const Outcome out = run_capturing(
      [&] {
        auto ch = weft::make_chan<int>();  // unbuffered: every pass parks one side
        std::vector<weft::Shared<int>> mine(kGoroutines);
        weft::WaitGroup wg;
        wg.add(kGoroutines);
        for (int i = 0; i < kGoroutines; ++i) {
          weft::go([&, i] {
            const void* me = active_here();
            if (me == nullptr) ++null;
            for (int r = 0; r < kRounds; ++r) {
              if (i % 2 == 0) {
                ch.send(r);
              } else {
                ch.recv();
              }
              if (active_here() != me) ++wrong;
              mine[static_cast<std::size_t>(i)].write(r);
              weft::yield();
              if (active_here() != me) ++wrong;
              mine[static_cast<std::size_t>(i)].write(r + 1);
            }
            wg.done();
          });
        }
        wg.wait();
        for (auto& m : mine) EXPECT_EQ(m.read(), kRounds);
      },
      racy_opts(GetParam()));
  EXPECT_EQ(out.status, 0) << out.err;
  EXPECT_EQ(out.err, "");
  EXPECT_EQ(null.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
}

// A goroutine's epoch moves on at its release (a send), wherever it runs next: its write
// after the send is recorded in the new epoch, not taken for a repeat of the write before
// it, so a receiver that learned only the first write races with the second. (The check
// that answers repeats without the detector's lock must follow the goroutine's epoch on the
// processor it runs on, and forget it on one it left.)
TEST_P(RunRace, AWriteAfterASendIsCheckedWhereverTheWriterRuns) {
  for (int round = 0; round < 20; ++round) {
    const Outcome out = run_capturing(
        [] {
          weft::Shared<int> x;
          std::atomic<bool> wrote{false};
          auto ch = weft::make_chan<int>(1);
          weft::WaitGroup wg;
          wg.add(2);
          weft::go([&] {
            x.write(1);
            ch.send(0);  // publishes the first write only
            for (int i = 0; i < 4; ++i) weft::yield();  // perhaps onto another processor
            x.write(2);
            wrote.store(true);
            wg.done();
          });
          weft::go([&] {
            ch.recv();
            while (!wrote.load()) weft::yield();
            (void)x.read();  // ordered after the first write, not the second
            wg.done();
          });
          wg.wait();
        },
        racy_opts(GetParam()));
    ASSERT_EQ(out.status, 66) << "round " << round << "\n" << out.err;
    ASSERT_EQ(occurrences(out.err, "WARNING: DATA RACE"), 1u) << out.err;
    ASSERT_NE(out.err.find("Previous write by goroutine "), std::string::npos) << out.err;
  }
}

// Hundreds of goroutines alive at once: every clock spans hundreds of slots, so the handle
// drops of a shared_ptr (weft_happens_before) take the detector's pending-copy path and the
// buffered sends its dense joins. Each producer writes its cell of a shared block, sends its
// index through a buffered channel, and drops its handle; the last producer to drop it also
// writes `late`, before its drop or after it. The consumer reads each cell after its index arrives,
// waits (through a flag the detector cannot see) until every producer has dropped its handle,
// and drops the last one: the block's deleter reads `late`. Before the drop, the write is
// ordered before that read only through the drops' edges; after it, not at all.
constexpr int kManyProducers = 300;
constexpr int kLateWriter = kManyProducers - 1;  // drops its handle after every other producer
void many_handle_drops(bool write_late_after_drop) {
  struct Block {
    std::vector<weft::Shared<int>> cells = std::vector<weft::Shared<int>>(kManyProducers);
  };
  weft::Shared<int> late;
  std::atomic<int> dropped{0};
  std::atomic<bool> finished{false};
  auto block = std::shared_ptr<Block>(new Block, [&late](Block* b) {
    (void)late.read();
    delete b;
  });
  auto indices = weft::make_chan<int>(16);
  weft::go([&, indices, block]() mutable {
    for (int n = 0; n < kManyProducers; ++n) (void)block->cells[indices.recv()].read();
    while (dropped.load() < kManyProducers) weft::yield();
    block.reset();  // the last handle: the deleter runs here
    finished.store(true);
  });
  for (int i = 0; i < kManyProducers; ++i) {
    weft::go([&, i, indices, block]() mutable {
      block->cells[i].write(i);
      indices.send(i);
      if (i == kLateWriter) {
        if (!write_late_after_drop) late.write(1);
        while (dropped.load() < kManyProducers - 1) weft::yield();
      }
      block.reset();
      if (i == kLateWriter && write_late_after_drop) late.write(2);
      dropped.fetch_add(1);
    });
  }
  block.reset();
  while (!finished.load()) weft::yield();
}

TEST_P(RunRace, ManyGoroutinesDroppingHandlesOrderTheirWritesBeforeTheLastDrop) {
  expect_no_report([] { many_handle_drops(false); }, GetParam());
}

TEST_P(RunRace, AWriteAfterDroppingAHandleAmongManyIsReported) {
  for (int round = 0; round < 5; ++round) {
    const Outcome out = run_capturing([] { many_handle_drops(true); }, racy_opts(GetParam()));
    ASSERT_EQ(out.status, 66) << "round " << round << "\n" << out.err;
    ASSERT_EQ(occurrences(out.err, "WARNING: DATA RACE"), 1u) << out.err;
  }
}

TEST(RunRaceDeathTest, HaltOnRaceExits66AtTheFirstReport) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        weft::RunOptions o = racy_opts(2);
        o.halt_on_race = true;
        (void)weft::run(
            [] {
              weft::Shared<int> x;
              std::atomic<bool> wrote{false};
              weft::WaitGroup wg;
              (void)two_unordered_writes(x, wrote, wg);
              std::fputs("still running\n", stderr);
            },
            o);
        std::_Exit(0);
      },
      testing::ExitedWithCode(66), "WARNING: DATA RACE");
}

TEST(RunRace, WeftDetectRacesTurnsItOnAndBadValuesAreRefused) {
  weft::RunOptions o;
  o.procs = 2;
  ::setenv("WEFT_DETECT_RACES", "1", 1);
  const Outcome on = run_capturing(
      [] {
        weft::Shared<int> x;
        std::atomic<bool> wrote{false};
        weft::WaitGroup wg;
        (void)two_unordered_writes(x, wrote, wg);
      },
      o);
  ::setenv("WEFT_DETECT_RACES", "yes", 1);
  const Outcome bad = run_capturing([] {}, o);
  ::unsetenv("WEFT_DETECT_RACES");
  EXPECT_EQ(on.status, 66) << on.err;
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("WEFT_DETECT_RACES='yes' must be 0 (off) or 1 (on"), std::string::npos)
      << bad.err;
}

TEST(RunRace, DetectionOffReportsNothing) {
  weft::RunOptions o = racy_opts(2);
  o.detect_races = false;
  const Outcome out = run_capturing(
      [] {
        weft::Shared<int> x;
        std::atomic<bool> wrote{false};
        weft::WaitGroup wg;
        (void)two_unordered_writes(x, wrote, wg);
      },
      o);
  EXPECT_EQ(out.status, 0);
  EXPECT_EQ(out.err, "");
}

TEST(RunRace, SuppressedRacesAreNotReported) {
  weft::RunOptions o = racy_opts(2);
  o.race_suppressions = {"run_race_test.cpp"};
  const Outcome out = run_capturing(
      [] {
        weft::Shared<int> x;
        std::atomic<bool> wrote{false};
        weft::WaitGroup wg;
        (void)two_unordered_writes(x, wrote, wg);
      },
      o);
  EXPECT_EQ(out.status, 0) << out.err;
  EXPECT_EQ(out.err, "");
  o.race_suppressions = {"bad:line"};
  const Outcome bad = run_capturing([] {}, o);
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("RunOptions::race_suppressions"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace run_race_test
