// Conformance: goroutine leaks and partial deadlocks. When main returns, goroutines that
// can never finish are reported (FailureKind::leak) with a goroutine dump in the format of
// runtime/src/report.cpp; goroutines that still finish shortly after main returned are not.
//
// Exact locations: weft records std::source_location default arguments, whose columns
// depend on the compiler (GCC points into the call, Clang at its start). So each checked
// call has a twin on the next line with the same shape and the same text length, calling a
// probe that records its own default-argument location; the expected report uses the
// probe's file, column and function and the real call's line (probe line - 1).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <source_location>
#include <string>

#include "weft/weft.hpp"
#include "test_support.hpp"

namespace leak_test {  // this file's names, apart from the other tests' in a unity build

using namespace std::chrono_literals;

namespace {

weft::ExploreOptions opts(std::uint64_t iterations = 50) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.use_environment = false;
  return o;
}

// ---- probes: same call shapes as weft::go and Chan::send, recording their locations ----
std::source_location probe_go_at, probe_send_at, probe_make_at;

struct ProbeChan {
  void send(int, std::source_location w = std::source_location::current()) const {
    probe_send_at = w;
  }
};

}  // namespace

namespace wefx {  // "wefx::go" has the length of "weft::go"
template <class F>
void go(F&& f, std::source_location w = std::source_location::current()) {
  probe_go_at = w;
  f();
}
template <class T>
int make_chan(std::size_t = 0, std::source_location w = std::source_location::current()) {
  probe_make_at = w;
  return 0;
}
}  // namespace wefx

namespace {

// "FILE:LINE:COL in FUNC" for the call one line above the probe's.
std::string line_above(const std::source_location& probe) {
  return std::string(probe.file_name()) + ":" + std::to_string(probe.line() - 1) + ":" +
         std::to_string(probe.column()) + " in " + probe.function_name();
}

using weft_test::contains;

TEST(Leak, BlockedSenderIsReportedWithTheExactDump) {
  std::string blocked_at, created_at;
  auto r = weft::explore([&] {
    auto c = weft::make_chan<int>();
    auto d = wefx::make_chan<int>();  // the probe of the line above
    (void)d;
    ProbeChan p;
    weft::go([c] { c.send(1); });
    wefx::go([p] { p.send(1); });
    blocked_at = line_above(probe_send_at);
    created_at = line_above(probe_go_at);
  }, opts(20));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::leak) << r;
  EXPECT_EQ(r.iteration, 0u) << "every schedule leaks";
  EXPECT_EQ(r.failure->report,
            "goroutine leak: 1 goroutine still alive after main returned\n"
            "\n"
            "goroutine 2 [chan send]:\n"
            "    blocked at " + blocked_at + "\n"
            "    on a channel made at " + line_above(probe_make_at) + "\n"
            "    created by goroutine 1 at " + created_at + "\n");
  EXPECT_EQ(weft::failure_kind_name(weft::FailureKind::leak), "goroutine leak");
}

TEST(Leak, NotReportedWhenReportLeaksIsOff) {
  auto o = opts(50);
  o.report_leaks = false;
  auto r = weft::explore([] {
    auto c = weft::make_chan<int>();
    weft::go([c] { c.send(1); });
  }, o);
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.iterations, 50u);
}

TEST(Leak, ReportListsEveryLeakedGoroutineWithItsWaitReason) {
  auto r = weft::explore([] {
    struct State {
      weft::Mutex mu;
      weft::WaitGroup wg;
      weft::Mutex cmu;
      weft::Cond cond{cmu};
    };
    auto s = std::make_shared<State>();
    s->mu.lock();
    s->wg.add(1);
    auto c = weft::make_chan<int>();
    weft::go_named("receiver", [c] { c.recv(); });
    weft::go([s] { s->mu.lock(); });
    weft::go([s] { s->wg.wait(); });
    weft::go([s] {
      s->cmu.lock();
      s->cond.wait();
    });
    weft::go([c] { weft::select(weft::recv_case(c), weft::recv_case(weft::Chan<int>())); });
    weft::go([] { weft::Chan<int>().recv(); });
    weft::sleep(1ms);  // everyone is parked
  }, opts(20));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::leak) << r;
  const std::string& rep = r.failure->report;
  EXPECT_EQ(rep.rfind("goroutine leak: 6 goroutines still alive after main returned\n\n", 0), 0u)
      << rep;
  for (const char* want :
       {"goroutine 2 \"receiver\" [chan receive]:\n", "goroutine 3 [sync.Mutex.Lock]:\n",
        "goroutine 4 [sync.WaitGroup.Wait]:\n", "goroutine 5 [sync.Cond.Wait]:\n",
        "goroutine 6 [select]:\n", "goroutine 7 [chan receive (nil chan)]:\n"})
    EXPECT_TRUE(contains(rep, want)) << want << "\n" << rep;
  EXPECT_FALSE(contains(rep, "\ngoroutine 1 [")) << "main returned; it is not listed";
}

TEST(Leak, GoroutinesThatFinishShortlyAfterMainReturnsAreNotLeaks) {
  auto r = weft::explore([] {
    auto c = weft::make_chan<int>(1);
    weft::go([c] {
      for (int i = 0; i < 100; ++i) weft::yield();
      c.send(1);  // buffered: completes with nobody receiving
    });
    weft::go([] { weft::sleep(30s); });
    auto handoff = weft::make_chan<int>();
    weft::go([handoff] { handoff.send(1); });
    weft::go([handoff] { handoff.recv(); });  // they pair up after main is gone
  }, opts(200));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.iterations, 200u);
}

TEST(Leak, TimeoutPatternLeaksTheWorker) {
  // The classic: the caller gives up after 1s, the worker later sends its result on an
  // unbuffered channel nobody will ever receive from.
  auto r = weft::explore([] {
    auto result = weft::make_chan<int>();
    weft::go_named("worker", [result] {
      weft::sleep(2s);
      result.send(42);
    });
    int fired = weft::select(weft::recv_case(result), weft::recv_case(weft::after(1s)));
    weft::check(fired == 1, "timed out");
  }, opts(50));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::leak) << r;
  EXPECT_EQ(r.failure->report.rfind(
                "goroutine leak: 1 goroutine still alive after main returned\n\n"
                "goroutine 2 \"worker\" [chan send]:\n", 0),
            0u)
      << r.failure->report;

  // The fix: a buffer of one lets the late send complete.
  auto fixed = weft::explore([] {
    auto result = weft::make_chan<int>(1);
    weft::go([result] {
      weft::sleep(2s);
      result.send(42);
    });
    weft::select(weft::recv_case(result), weft::recv_case(weft::after(1s)));
  }, opts(50));
  EXPECT_TRUE(fixed.ok()) << fixed;
}

TEST(Leak, PartialDeadlockWhileMainKeepsTickingIsReported) {
  // Two goroutines each wait for the other's message: a deadlock, but not a global one,
  // since main is still ticking. Once main returns they are reported as a leak.
  auto body = [](bool stop_ticker) {
    return [stop_ticker] {
      auto to_a = weft::make_chan<int>();
      auto to_b = weft::make_chan<int>();
      weft::go_named("a", [to_a, to_b] {
        to_a.recv();
        to_b.send(1);
      });
      weft::go_named("b", [to_a, to_b] {
        to_b.recv();
        to_a.send(1);
      });
      weft::Ticker tick(10ms);
      for (int i = 0; i < 3; ++i) tick.c().recv();
      if (stop_ticker) tick.stop();
    };
  };
  for (bool stop : {true, false}) {
    auto r = weft::explore(body(stop), opts(50));
    ASSERT_FALSE(r.ok()) << "stop=" << stop;
    ASSERT_EQ(r.failure->kind, weft::FailureKind::leak) << r;
    const std::string& rep = r.failure->report;
    EXPECT_EQ(rep.rfind("goroutine leak: 2 goroutines still alive after main returned\n\n", 0),
              0u)
        << rep;
    EXPECT_TRUE(contains(rep, "goroutine 2 \"a\" [chan receive]:\n")) << rep;
    EXPECT_TRUE(contains(rep, "goroutine 3 \"b\" [chan receive]:\n")) << rep;
  }
}

TEST(Leak, NoDeadlockIsReportedWhileMainCanStillRun) {
  // The same pair while main is alive: main's ticker keeps the program going, so no
  // (global) deadlock is reported before main returns — only the leak afterwards.
  auto r = weft::explore([] {
    auto to_a = weft::make_chan<int>();
    weft::go([to_a] { to_a.recv(); });
    weft::sleep(1h);
  }, opts(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::leak) << r;
}

TEST(Leak, ReportIsDeterministicForASeed) {
  auto body = [] {
    auto c = weft::make_chan<int>();
    for (int i = 0; i < 3; ++i)
      weft::go([c, i] {
        for (int k = 0; k < i; ++k) weft::yield();
        c.send(i);
      });
    c.recv();
  };
  auto r1 = weft::explore(body, opts(20));
  auto r2 = weft::explore(body, opts(20));
  ASSERT_FALSE(r1.ok());
  ASSERT_EQ(r1.failure->kind, weft::FailureKind::leak);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r1.failure->report, r2.failure->report);
  EXPECT_EQ(r1.token, r2.token);
  EXPECT_TRUE(contains(r1.failure->report, "2 goroutines still alive")) << r1.failure->report;
}

}  // namespace

}  // namespace leak_test
