// Conformance: Go's select statement ("Select statements" in the Go specification).
#include <gtest/gtest.h>

#include <source_location>

#include <array>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "weft/gtest.hpp"
#include "weft/weft.hpp"

namespace select_test {  // this file's names, apart from the other tests' in a unity build

namespace {

weft::ExploreOptions opts(std::uint64_t iterations = 200, std::uint64_t seed = 1) {
  weft::ExploreOptions o = weft::gtest::isolated(iterations);
  o.seed = seed;
  return o;
}

template <class F>
void expect_ok(F body, std::uint64_t iterations = 200,
               std::source_location where = std::source_location::current()) {
  weft::gtest::expect_every_schedule_passes(body, opts(iterations), where);
}

void settle(int n = 30) {
  for (int i = 0; i < n; ++i) weft::yield();
}

// "If one or more of the communications can proceed, a single one that can proceed is
// chosen via a uniform pseudo-random selection": over many explored iterations every
// ready case fires at least once, and roughly as often as the others.
TEST(Select, EveryReadyCaseIsChosenSometimes) {
  std::array<int, 4> fired{};
  auto r = weft::explore([&] {
    auto a = weft::make_chan<int>(1);
    auto b = weft::make_chan<int>(1);
    auto c = weft::make_chan<int>(1);
    auto d = weft::make_chan<int>(1);
    a.send(0);
    b.send(1);
    c.send(2);
    d.send(3);
    int got = -1;
    int i = weft::select(weft::recv_case(a, [&](int v) { got = v; }),
                         weft::recv_case(b, [&](int v) { got = v; }),
                         weft::recv_case(c, [&](int v) { got = v; }),
                         weft::recv_case(d, [&](int v) { got = v; }));
    weft::check(i == got, "the handler of the fired case ran with its value");
    ++fired[static_cast<std::size_t>(i)];
  }, opts(400));
  ASSERT_TRUE(r.ok()) << r;
  for (int n : fired) EXPECT_GE(n, 40) << "fired: " << fired[0] << " " << fired[1] << " "
                                       << fired[2] << " " << fired[3];
}

TEST(Select, ReadySendAndRecvCasesAreBothChosen) {
  std::array<int, 2> fired{};
  auto r = weft::explore([&] {
    auto in = weft::make_chan<int>(1);
    auto out = weft::make_chan<int>(1);
    in.send(1);
    int i = weft::select(weft::recv_case(in), weft::send_case(out, 2));
    if (i == 1) weft::check(out.recv() == 2, "the send case sent");
    if (i == 0) weft::check(out.len() == 0 && in.len() == 0, "only the receive happened");
    ++fired[static_cast<std::size_t>(i)];
  }, opts(200));
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_GT(fired[0], 0);
  EXPECT_GT(fired[1], 0);
}

TEST(Select, DefaultRunsWhenNothingIsReady) {
  expect_ok([] {
    auto a = weft::make_chan<int>();
    auto b = weft::make_chan<int>(1);
    b.send(0);  // full: a send case on b is not ready
    bool ran_default = false;
    int i = weft::select(weft::recv_case(a), weft::send_case(b, 1),
                         weft::default_case([&] { ran_default = true; }));
    weft::check(i == 2 && ran_default, "default, reported by its position");
    weft::check(b.len() == 1, "the send case did not happen");
  }, 20);
}

TEST(Select, DefaultIsNotChosenWhenACaseIsReady) {
  expect_ok([] {
    auto a = weft::make_chan<int>(1);
    a.send(4);
    int got = 0;
    int i = weft::select(weft::default_case(), weft::recv_case(a, [&](int v) { got = v; }));
    weft::check(i == 1 && got == 4, "the ready case, never the default");
  });
}

TEST(Select, OnlyADefault) {
  expect_ok([] {
    int i = weft::select(weft::default_case());
    weft::check(i == 0, "default is case 0");
  }, 5);
}

TEST(Select, NilChannelCasesNeverFire) {
  expect_ok([] {
    weft::Chan<int> nil;
    auto b = weft::make_chan<int>();
    weft::go([b] { b.send(1); });
    int i = weft::select(weft::recv_case(nil), weft::send_case(nil, 5), weft::recv_case(b));
    weft::check(i == 2, "only the non-nil case can fire");
    int j = weft::select(weft::recv_case(nil), weft::send_case(nil, 5), weft::default_case());
    weft::check(j == 2, "nil cases are not ready, so the default runs");
  });
}

TEST(Select, AllNilCasesBlockForever) {
  auto r = weft::explore([] {
    weft::Chan<int> nil;
    weft::select(weft::recv_case(nil), weft::send_case(nil, 1));
  }, opts(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock);
}

// The Go idiom: set a channel variable to nil to disable its case once it is closed.
TEST(Select, NilDisablesACaseInAMergeLoop) {
  expect_ok([] {
    auto a = weft::make_chan<int>();
    auto b = weft::make_chan<int>(2);
    weft::go([a] {
      for (int i = 1; i <= 3; ++i) a.send(i);
      a.close();
    });
    weft::go([b] {
      for (int i = 10; i <= 30; i += 10) b.send(i);
      b.close();
    });
    weft::Chan<int> x = a, y = b;
    int sum = 0, closed_seen = 0;
    while (!x.nil() || !y.nil()) {
      weft::select(weft::recv_case(x, [&](std::optional<int> v) {
                     if (v) sum += *v; else { x = {}; ++closed_seen; }
                   }),
                   weft::recv_case(y, [&](std::optional<int> v) {
                     if (v) sum += *v; else { y = {}; ++closed_seen; }
                   }));
    }
    weft::check(sum == 66 && closed_seen == 2, "merged everything, each close seen once");
  });
}

TEST(Select, SendCaseDeliversItsValue) {
  expect_ok([] {
    auto out = weft::make_chan<int>();
    auto done = weft::make_chan<int>();
    weft::go([out, done] { done.send(out.recv()); });
    bool sent = false;
    int i = weft::select(weft::send_case(out, 99, [&] { sent = true; }));
    weft::check(i == 0 && sent, "the send case fired");
    weft::check(done.recv() == 99, "value arrived");
  });
}

TEST(Select, SendCaseOnClosedChannelPanics) {
  expect_ok([] {
    auto out = weft::make_chan<int>(1);
    out.close();
    std::string msg;
    try {
      weft::select(weft::send_case(out, 1), weft::default_case());
    } catch (const weft::Panic& p) {
      msg = p.what();
    }
    weft::check(msg == "send on closed channel", "a ready send case on a closed channel panics");
  }, 20);
}

TEST(Select, BlockedSendCasePanicsWhenChannelIsClosed) {
  expect_ok([] {
    auto out = weft::make_chan<int>();
    auto never = weft::make_chan<int>();
    auto result = weft::make_chan<std::string>(1);
    weft::go([=] {
      std::string msg = "<no panic>";
      try {
        weft::select(weft::send_case(out, 1), weft::recv_case(never));
      } catch (const weft::Panic& p) {
        msg = p.what();
      }
      result.send(msg);
    });
    settle();
    out.close();
    weft::check(result.recv() == "send on closed channel", "woken by close, then panics");
  }, 100);
}

std::string strip_columns(const std::string& s) {
  static const std::regex re(R"((:\d+):\d+ in )");
  return std::regex_replace(s, re, "$1 in ");
}

TEST(Select, NoCasesBlocksForever) {
  std::source_location here;
  auto r = weft::explore([&] {
    here = std::source_location::current(); weft::select();
  }, opts(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock);
  std::string expected = std::string("all goroutines are asleep - deadlock!\n\n") +
                         "goroutine 1 [select (no cases)]:\n    blocked at " + here.file_name() +
                         ":" + std::to_string(here.line()) + " in " + here.function_name() + "\n";
  EXPECT_EQ(strip_columns(r.failure->report), expected);
}

TEST(Select, BlockedSelectWakesOnWhicheverChannelBecomesReady) {
  std::array<int, 2> fired{};
  auto r = weft::explore([&] {
    auto a = weft::make_chan<int>();
    auto b = weft::make_chan<int>();
    weft::go([a] { a.send(1); });
    weft::go([b] { b.send(2); });
    int got = 0;
    int i = weft::select(weft::recv_case(a, [&](int v) { got = v; }),
                         weft::recv_case(b, [&](int v) { got = v; }));
    weft::check(got == i + 1, "value from the case that fired");
    // Exactly one fired: the other sender is still waiting for a receiver.
    int other = i == 0 ? b.recv() : a.recv();
    weft::check(other + got == 3, "the other value was not consumed by the select");
    ++fired[static_cast<std::size_t>(i)];
  }, opts(200));
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_GT(fired[0], 0);
  EXPECT_GT(fired[1], 0);
}

// After a blocked select fires through one channel, its waiters on the other channels are
// gone: a later send on such a channel is not swallowed by the finished select.
TEST(Select, StaleSelectWaitersAreRemoved) {
  expect_ok([] {
    auto a = weft::make_chan<int>();
    auto b = weft::make_chan<int>();
    auto c = weft::make_chan<int>(1);
    c.send(0);  // full: the send case below can never fire
    weft::go([a] {
      settle();
      a.send(1);
    });
    int i = weft::select(weft::recv_case(a), weft::recv_case(b), weft::send_case(c, 5),
                         weft::recv_case(b));
    weft::check(i == 0, "woken through a");
    // Now another receiver waits on b, and a sender arrives: it must get the value.
    auto got = weft::make_chan<int>(1);
    weft::go([b, got] { got.send(b.recv()); });
    b.send(7);
    weft::check(got.recv() == 7, "the value went to the live receiver");
    weft::check(c.recv() == 0 && c.len() == 0, "the select's send case never happened");
  });
}

TEST(Select, BlockedSelectWithSendCaseLeavesNoWaiterBehind) {
  expect_ok([] {
    auto in = weft::make_chan<int>();
    auto out = weft::make_chan<int>();
    weft::go([in] { in.send(1); });
    int i = weft::select(weft::recv_case(in), weft::send_case(out, 9));
    weft::check(i == 0, "only the receive can complete");
    // If the select's send waiter were still queued on `out`, this receive would take 9.
    weft::check(!out.try_recv(), "no sender left on out");
  });
}

TEST(Select, RecvFromClosedChannelGivesNulloptOrZero) {
  expect_ok([] {
    auto c = weft::make_chan<int>(1);
    c.send(5);
    c.close();
    std::optional<int> first, second;
    weft::select(weft::recv_case(c, [&](std::optional<int> v) { first = v; }));
    weft::select(weft::recv_case(c, [&](std::optional<int> v) { second = v; }));
    weft::check(first == 5, "buffered value first");
    weft::check(!second.has_value(), "then ok == false");
    int zero = -1;
    weft::select(weft::recv_case(c, [&](int v) { zero = v; }));
    weft::check(zero == 0, "a handler taking T gets the zero value");
  }, 20);
}

TEST(Select, ClosedChannelIsAlwaysReady) {
  expect_ok([] {
    auto closed = weft::make_chan<weft::Unit>();
    auto never = weft::make_chan<int>();
    closed.close();
    for (int k = 0; k < 5; ++k) {
      int i = weft::select(weft::recv_case(never), weft::recv_case(closed), weft::default_case());
      weft::check(i == 1, "a closed channel's receive case is ready, not the default");
    }
  }, 20);
}

TEST(Select, BlockedSelectWokenByClose) {
  expect_ok([] {
    auto done = weft::make_chan<weft::Unit>();
    auto never = weft::make_chan<int>();
    auto result = weft::make_chan<int>(1);
    weft::go([=] {
      int i = weft::select(weft::recv_case(never), weft::recv_case(done));
      result.send(i);
    });
    settle();
    done.close();
    weft::check(result.recv() == 1, "close fired the receive case");
  }, 100);
}

TEST(Select, MoveOnlyValues) {
  expect_ok([] {
    auto in = weft::make_chan<std::unique_ptr<int>>();
    auto out = weft::make_chan<std::unique_ptr<int>>(1);
    weft::go([in] { in.send(std::make_unique<int>(3)); });
    std::unique_ptr<int> got;
    weft::select(weft::recv_case(in, [&](std::unique_ptr<int> p) { got = std::move(p); }));
    weft::check(got && *got == 3, "received a move-only value");
    weft::select(weft::send_case(out, std::move(got)));
    auto back = out.recv();
    weft::check(back && *back == 3, "sent a move-only value");
  });
}

// One goroutine's select cannot complete with itself: a send case and a receive case on
// the same unbuffered channel need a second goroutine.
TEST(Select, SendAndReceiveOnOneChannelDoNotPairWithinOneSelect) {
  auto alone = weft::explore([] {
    auto c = weft::make_chan<int>();
    weft::select(weft::send_case(c, 1), weft::recv_case(c));
  }, opts(20));
  ASSERT_FALSE(alone.ok());
  EXPECT_EQ(alone.failure->kind, weft::FailureKind::deadlock);
  EXPECT_NE(alone.failure->report.find("goroutine 1 [select]:"), std::string::npos)
      << alone.failure->report;

  std::array<int, 2> fired{};
  auto paired = weft::explore([&] {
    auto c = weft::make_chan<int>();
    auto got = weft::make_chan<int>(1);
    bool partner_receives = fired[0] <= fired[1];  // alternate the partner's direction
    if (partner_receives)
      weft::go([c, got] { got.send(c.recv()); });
    else
      weft::go([c] { c.send(2); });
    int v = -1;
    int i = weft::select(weft::send_case(c, 1), weft::recv_case(c, [&](int x) { v = x; }));
    if (partner_receives) weft::check(i == 0 && got.recv() == 1, "paired with the receiver");
    else weft::check(i == 1 && v == 2, "paired with the sender");
    ++fired[static_cast<std::size_t>(i)];
  }, opts(100));
  ASSERT_TRUE(paired.ok()) << paired;
  EXPECT_EQ(fired[0], 50);
  EXPECT_EQ(fired[1], 50);
}

TEST(Select, SameChannelInTwoCases) {
  std::array<int, 2> fired{};
  auto r = weft::explore([&] {
    auto c = weft::make_chan<int>();
    weft::go([c] { c.send(1); });
    int i = weft::select(weft::recv_case(c), weft::recv_case(c));
    ++fired[static_cast<std::size_t>(i)];
    weft::check(!c.try_recv(), "exactly one value consumed, nothing left behind");
  }, opts(200));
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_GT(fired[0], 0);
  EXPECT_GT(fired[1], 0);
}

TEST(Select, BlockedSelectIsReportedWithItsLocation) {
  std::source_location here, a_made, b_made;
  auto r = weft::explore([&] {
    a_made = std::source_location::current(); auto a = weft::make_chan<int>();
    b_made = std::source_location::current(); auto b = weft::make_chan<int>(1);
    b.send(0);
    here = std::source_location::current(); weft::select(weft::recv_case(a), weft::send_case(b, 1));
  }, opts(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock);
  auto at = [&](const std::source_location& l) {
    return std::string(l.file_name()) + ":" + std::to_string(l.line()) + " in " + here.function_name();
  };
  // Each case's channel with its creation site, in the select's order (issue 13).
  EXPECT_EQ(strip_columns(r.failure->report),
            std::string("all goroutines are asleep - deadlock!\n\ngoroutine 1 [select]:\n") +
                "    blocked at " + at(here) + "\n" +
                "    case receive from a channel made at " + at(a_made) + "\n" +
                "    case send to a channel made at " + at(b_made) + "\n");
}

}  // namespace

}  // namespace select_test
