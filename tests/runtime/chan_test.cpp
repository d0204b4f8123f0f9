// Conformance: Go channel semantics (The Go Programming Language Specification, "Channel
// types", "Send statements", "Receive operator", "Close"; and the runtime's panics).
// Every test runs under weft::explore with the environment ignored, so each one is a
// property of every explored interleaving, not of one lucky schedule.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <source_location>
#include <optional>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "weft/gtest.hpp"
#include "weft/weft.hpp"

namespace chan_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using weft_test::expect_ok;
using weft_test::opts;

// Lets every other runnable goroutine make progress (many scheduling points).
void settle(int n = 30) {
  for (int i = 0; i < n; ++i) weft::yield();
}

struct NoDefault {
  explicit NoDefault(int x) : v(x) {}
  int v;
};

// ---------------------------------------------------------------------------------------
// Blocking rules.

TEST(Chan, UnbufferedSendBlocksUntilReceiverArrives) {
  expect_ok([] {
    auto c = weft::make_chan<int>();
    bool receiver_arrived = false;
    weft::go([&, c] {
      receiver_arrived = true;
      weft::check(c.recv() == 42, "received the sent value");
    });
    c.send(42);
    weft::check(receiver_arrived, "send completed before a receiver arrived");
  });
}

TEST(Chan, UnbufferedRecvBlocksUntilSenderArrives) {
  expect_ok([] {
    auto c = weft::make_chan<int>();
    bool sender_arrived = false;
    weft::go([&, c] {
      sender_arrived = true;
      c.send(7);
    });
    int v = c.recv();
    weft::check(sender_arrived, "receive completed before a sender arrived");
    weft::check(v == 7, "value");
  });
}

TEST(Chan, UnbufferedSendWithNoReceiverDeadlocks) {
  auto r = weft::explore([] { weft::make_chan<int>().send(1); }, opts(10));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock);
  EXPECT_NE(r.failure->report.find("goroutine 1 [chan send]:"), std::string::npos)
      << r.failure->report;
}

TEST(Chan, BufferedSendDoesNotBlockUntilFull) {
  expect_ok([] {
    auto c = weft::make_chan<int>(3);
    c.send(1);  // no receiver exists: these must not block
    c.send(2);
    c.send(3);
    weft::check(c.len() == 3, "three buffered");
  });
}

TEST(Chan, BufferedSendBlocksWhenFull) {
  expect_ok([] {
    auto c = weft::make_chan<int>(2);
    c.send(1);
    c.send(2);
    bool receiver_arrived = false;
    weft::go([&, c] {
      receiver_arrived = true;
      weft::check(c.recv() == 1, "FIFO head");
    });
    c.send(3);  // full: completes only after the receiver's receive made room
    weft::check(receiver_arrived, "a send on a full channel completed without a receive");
    weft::check(c.recv() == 2 && c.recv() == 3, "order kept");
  });
  // The same full channel with nobody to receive: the third send blocks forever.
  auto r = weft::explore([] {
    auto c = weft::make_chan<int>(2);
    c.send(1);
    c.send(2);
    c.send(3);
  }, opts(10));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock);
  EXPECT_NE(r.failure->report.find("[chan send]"), std::string::npos) << r.failure->report;
}

TEST(Chan, BufferedRecvBlocksOnlyWhenEmpty) {
  expect_ok([] {
    auto c = weft::make_chan<int>(4);
    c.send(5);
    weft::check(c.recv() == 5, "a buffered value is received without a sender");
    bool sent = false;
    weft::go([&, c] {
      sent = true;
      c.send(6);
    });
    weft::check(c.recv() == 6, "empty: waited for the sender");
    weft::check(sent, "receive from an empty channel completed before any send");
  });
  auto r = weft::explore([] { weft::make_chan<int>(4).recv(); }, opts(10));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock);
}

TEST(Chan, BufferedIsFifo) {
  expect_ok([] {
    auto c = weft::make_chan<int>(5);
    for (int i = 0; i < 5; ++i) c.send(i);
    for (int i = 0; i < 5; ++i) weft::check(c.recv() == i, "FIFO");
  });
}

TEST(Chan, FifoAcrossBlockedSendersAndSmallBuffer) {
  // One producer, one consumer, capacity 2: values arrive in send order in every
  // interleaving, including those where the producer blocks on a full buffer and the
  // consumer on an empty one.
  expect_ok([] {
    auto c = weft::make_chan<int>(2);
    weft::go([c] {
      for (int i = 0; i < 20; ++i) c.send(i);
      c.close();
    });
    int expect = 0;
    for (int v : c) weft::check(v == expect++, "in order");
    weft::check(expect == 20, "all values");
  });
}

TEST(Chan, LenAndCap) {
  expect_ok([] {
    auto c = weft::make_chan<int>(3);
    weft::check(c.cap() == 3 && c.len() == 0, "fresh");
    c.send(1);
    c.send(2);
    weft::check(c.len() == 2, "two queued");
    c.recv();
    weft::check(c.len() == 1, "one left");
    c.close();
    weft::check(c.len() == 1 && c.cap() == 3, "close keeps buffered values");
    auto u = weft::make_chan<int>();
    weft::check(u.cap() == 0 && u.len() == 0, "unbuffered");
    weft::Chan<int> nil;
    weft::check(nil.nil() && nil.cap() == 0 && nil.len() == 0, "nil channel");
    weft::check(!c.nil() && !u.nil(), "made channels are not nil");
  }, 5);
}

TEST(Chan, CopiesReferToTheSameChannel) {
  expect_ok([] {
    auto a = weft::make_chan<int>(1);
    auto b = a;
    weft::SendChan<int> s = a;
    weft::RecvChan<int> r = a;
    weft::check(a == b && a == s && a == r, "same channel");
    weft::check(!(a == weft::make_chan<int>(1)), "different channel");
    b.send(9);
    weft::check(a.len() == 1 && r.recv() == 9, "shared state");
    weft::Chan<int> n1, n2;
    weft::check(n1 == n2, "nil channels compare equal");
  }, 5);
}

// ---------------------------------------------------------------------------------------
// The nil channel.

TEST(Chan, NilSendBlocksForever) {
  auto r = weft::explore([] {
    weft::Chan<int> nil;
    nil.send(1);
  }, opts(10));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock);
  EXPECT_NE(r.failure->report.find("goroutine 1 [chan send (nil chan)]:"), std::string::npos)
      << r.failure->report;
}

TEST(Chan, NilRecvBlocksForever) {
  auto r = weft::explore([] {
    weft::Chan<int> nil;
    auto done = weft::make_chan<int>();
    weft::go([nil] { nil.recv(); });
    done.recv();
  }, opts(10));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock);
  EXPECT_NE(r.failure->report.find("goroutine 2 [chan receive (nil chan)]:"), std::string::npos)
      << r.failure->report;
}

// ---------------------------------------------------------------------------------------
// try_send / try_recv (select with a default case).

TEST(Chan, TrySendAndTryRecvOnBufferedChannel) {
  expect_ok([] {
    auto c = weft::make_chan<int>(1);
    auto empty = c.try_recv();
    weft::check(!empty && empty.status == weft::RecvStatus::would_block && !empty.value,
                "empty: would block");
    weft::check(c.try_send(1), "room: sent");
    weft::check(!c.try_send(2), "full: would block");
    weft::check(c.len() == 1, "the failed try_send left nothing");
    auto got = c.try_recv();
    weft::check(got && got.status == weft::RecvStatus::received && *got.value == 1, "got 1");
  }, 5);
}

TEST(Chan, TryRecvOnClosedChannel) {
  expect_ok([] {
    auto c = weft::make_chan<int>(2);
    c.send(3);
    c.close();
    auto first = c.try_recv();
    weft::check(first.status == weft::RecvStatus::received && *first.value == 3,
                "buffered value first");
    auto then = c.try_recv();
    weft::check(!then && then.status == weft::RecvStatus::closed && !then.value,
                "closed and drained");
  }, 5);
}

TEST(Chan, TrySendOnClosedChannelPanics) {
  expect_ok([] {
    auto c = weft::make_chan<int>(2);
    c.close();
    std::string msg;
    try {
      c.try_send(1);
    } catch (const weft::Panic& p) {
      msg = p.what();
    }
    weft::check(msg == "send on closed channel", "Go panics even in a select with default");
  }, 5);
}

TEST(Chan, TryOpsOnNilChannelNeverSucceed) {
  expect_ok([] {
    weft::Chan<int> nil;
    weft::check(!nil.try_send(1), "nil: never ready to send");
    auto r = nil.try_recv();
    weft::check(r.status == weft::RecvStatus::would_block, "nil: never ready to receive");
  }, 5);
}

TEST(Chan, UnbufferedTrySendNeedsAWaitingReceiver) {
  expect_ok([] {
    auto c = weft::make_chan<int>();
    weft::check(!c.try_send(1), "no receiver: would block");
    weft::check(!c.try_recv(), "no sender: would block");
    auto done = weft::make_chan<int>();
    weft::go([c, done] { done.send(c.recv()); });
    int tries = 0;
    while (!c.try_send(5)) ++tries;  // each attempt is a scheduling point
    weft::check(done.recv() == 5, "the waiting receiver got it");
  }, 100);
}

TEST(Chan, FailedTrySendLeavesAMoveOnlyValueUntouched) {
  expect_ok([] {
    auto c = weft::make_chan<std::unique_ptr<int>>(1);
    auto p = std::make_unique<int>(1);
    weft::check(c.try_send(p), "room");
    weft::check(p == nullptr, "moved in");
    auto q = std::make_unique<int>(2);
    weft::check(!c.try_send(q), "full");
    weft::check(q && *q == 2, "value left untouched");
  }, 5);
}

// ---------------------------------------------------------------------------------------
// Element types.

TEST(Chan, MoveOnlyThroughBufferedChannel) {
  expect_ok([] {
    auto c = weft::make_chan<std::unique_ptr<int>>(2);
    weft::go([c] {
      c.send(std::make_unique<int>(1));
      c.send(std::make_unique<int>(2));
      c.send(std::make_unique<int>(3));  // blocks while full
      c.close();
    });
    int sum = 0;
    for (auto& p : c) sum += *p;
    weft::check(sum == 6, "all three arrived");
  });
}

TEST(Chan, MoveOnlyThroughUnbufferedChannel) {
  expect_ok([] {
    auto c = weft::make_chan<std::unique_ptr<std::string>>();
    weft::go([c] { c.send(std::make_unique<std::string>("hello")); });
    auto p = c.recv();
    weft::check(p && *p == "hello", "moved through the rendezvous");
    c.close();
    weft::check(c.recv() == nullptr, "zero value of unique_ptr is null");
  });
}

TEST(Chan, NonDefaultConstructibleWithRecvOk) {
  expect_ok([] {
    auto c = weft::make_chan<NoDefault>(1);
    weft::go([c] {
      c.send(NoDefault(1));
      c.send(NoDefault(2));
      c.close();
    });
    auto a = c.recv_ok();
    auto b = c.recv_ok();
    auto end = c.recv_ok();
    weft::check(a && a->v == 1 && b && b->v == 2, "values");
    weft::check(!end.has_value(), "closed: nullopt, no value constructed");
    auto t = c.try_recv();
    weft::check(t.status == weft::RecvStatus::closed, "try_recv sees closed");
  });
}

TEST(Chan, RangeUntilClosed) {
  expect_ok([] {
    auto c = weft::make_chan<int>();
    weft::go([c] {
      for (int i = 1; i <= 5; ++i) c.send(i);
      c.close();
    });
    int sum = 0, n = 0;
    for (int v : c) {
      sum += v;
      ++n;
    }
    weft::check(n == 5 && sum == 15, "range saw every value and stopped at close");
  });
}

// ---------------------------------------------------------------------------------------
// Directional views: SendChan (chan<- T) and RecvChan (<-chan T).

template <class C>
constexpr bool can_send = requires(const C& c, typename C::value_type v) { c.send(v); };
template <class C>
constexpr bool can_try_send = requires(const C& c, typename C::value_type v) { c.try_send(v); };
template <class C>
constexpr bool can_close = requires(const C& c) { c.close(); };
template <class C>
constexpr bool can_recv = requires(const C& c) { c.recv(); };
template <class C>
constexpr bool can_recv_ok = requires(const C& c) { c.recv_ok(); };
template <class C>
constexpr bool can_try_recv = requires(const C& c) { c.try_recv(); };
template <class C>
constexpr bool can_range = requires(const C& c) { c.begin(); };

static_assert(can_send<weft::Chan<int>> && can_close<weft::Chan<int>> &&
              can_recv<weft::Chan<int>> && can_range<weft::Chan<int>>);
static_assert(!can_send<weft::RecvChan<int>> && !can_try_send<weft::RecvChan<int>> &&
                  !can_close<weft::RecvChan<int>>,
              "a receive-only channel has no send and no close");
static_assert(can_recv<weft::RecvChan<int>> && can_recv_ok<weft::RecvChan<int>> &&
              can_try_recv<weft::RecvChan<int>> && can_range<weft::RecvChan<int>>);
static_assert(!can_recv<weft::SendChan<int>> && !can_recv_ok<weft::SendChan<int>> &&
                  !can_try_recv<weft::SendChan<int>> && !can_range<weft::SendChan<int>>,
              "a send-only channel has no receive");
static_assert(can_send<weft::SendChan<int>> && can_try_send<weft::SendChan<int>> &&
              can_close<weft::SendChan<int>>);
static_assert(std::is_convertible_v<weft::Chan<int>, weft::SendChan<int>> &&
              std::is_convertible_v<weft::Chan<int>, weft::RecvChan<int>>);
static_assert(!std::is_convertible_v<weft::RecvChan<int>, weft::Chan<int>> &&
                  !std::is_convertible_v<weft::SendChan<int>, weft::Chan<int>> &&
                  !std::is_convertible_v<weft::SendChan<int>, weft::RecvChan<int>>,
              "views do not widen");

void producer(weft::SendChan<int> out) {
  for (int i = 0; i < 3; ++i) out.send(i * 10);
  out.close();
}

TEST(Chan, DirectionalViews) {
  expect_ok([] {
    auto c = weft::make_chan<int>(1);
    weft::go(producer, c);
    weft::RecvChan<int> in = c;
    std::vector<int> got;
    for (int v : in) got.push_back(v);
    weft::check(got == std::vector<int>{0, 10, 20}, "through the views");
  });
}

// ---------------------------------------------------------------------------------------
// Close.

TEST(Chan, RecvFromClosedDrainedChannelYieldsZeroValue) {
  expect_ok([] {
    auto c = weft::make_chan<int>();
    auto s = weft::make_chan<std::string>(1);
    c.close();
    s.close();
    weft::check(c.recv() == 0, "zero int");
    weft::check(c.recv() == 0, "again: a closed channel is always ready");
    weft::check(!c.recv_ok().has_value(), "ok == false");
    weft::check(s.recv().empty(), "zero string");
  }, 5);
}

TEST(Chan, BufferedValuesAreDeliveredAfterClose) {
  expect_ok([] {
    auto c = weft::make_chan<int>(3);
    c.send(1);
    c.send(2);
    c.close();
    auto a = c.recv_ok();
    auto b = c.recv_ok();
    weft::check(a && *a == 1 && b && *b == 2, "values before the closed signal");
    weft::check(!c.recv_ok(), "then closed");
    weft::check(c.recv() == 0, "then zero values");
  }, 5);
}

TEST(Chan, BufferedValuesDeliveredAfterCloseToConcurrentReceiver) {
  expect_ok([] {
    auto c = weft::make_chan<int>(3);
    auto got = weft::make_chan<int>(4);
    weft::go([c, got] {
      for (;;) {
        auto v = c.recv_ok();
        if (!v) break;
        got.send(*v);
      }
      got.close();
    });
    c.send(1);
    c.send(2);
    c.send(3);
    c.close();
    std::vector<int> seen;
    for (int v : got) seen.push_back(v);
    weft::check(seen == std::vector<int>{1, 2, 3}, "nothing lost to close");
  });
}

TEST(Chan, CloseWakesAllBlockedReceivers) {
  int finished_total = 0;
  auto r = weft::explore([&] {
    auto c = weft::make_chan<int>();
    auto done = weft::make_chan<bool>(5);
    for (int i = 0; i < 5; ++i)
      weft::go([c, done] { done.send(c.recv_ok().has_value()); });
    settle();  // in practically every schedule all five are blocked by now
    c.close();
    for (int i = 0; i < 5; ++i) {
      weft::check(!done.recv(), "woken by close: ok == false");
      ++finished_total;
    }
  }, opts(100));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(finished_total, 500);
}

TEST(Chan, CloseWakesBlockedSelectAndRangeReceivers) {
  expect_ok([] {
    auto c = weft::make_chan<int>();
    auto done = weft::make_chan<int>(2);
    weft::go([c, done] {
      int n = 0;
      for (int v : c) n += v;
      done.send(n);
    });
    weft::go([c, done] {
      bool closed = false;
      weft::select(weft::recv_case(c, [&](std::optional<int> v) { closed = !v; }));
      done.send(closed ? 100 : -1);
    });
    settle();
    c.close();
    int a = done.recv(), b = done.recv();
    weft::check(a + b == 100, "range ended with nothing; select saw closed");
  }, 100);
}

// ---------------------------------------------------------------------------------------
// Panics, with Go's exact messages.

std::string panic_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const weft::Panic& p) {
    return p.what();
  }
  return "<no panic>";
}

TEST(Chan, SendOnClosedChannelPanics) {
  expect_ok([] {
    auto c = weft::make_chan<int>(1);
    c.close();
    weft::check(panic_message([&] { c.send(1); }) == "send on closed channel", "message");
    auto u = weft::make_chan<int>();
    u.close();
    weft::check(panic_message([&] { u.send(1); }) == "send on closed channel", "unbuffered");
  }, 5);
}

TEST(Chan, BlockedSenderPanicsWhenChannelIsClosed) {
  expect_ok([] {
    auto c = weft::make_chan<int>();
    auto result = weft::make_chan<std::string>(1);
    weft::go([c, result] { result.send(panic_message([&] { c.send(1); })); });
    settle();  // the sender is blocked in practically every schedule
    c.close();
    weft::check(result.recv() == "send on closed channel", "the blocked send panics");
  }, 100);
}

TEST(Chan, BlockedSenderOnFullBufferPanicsWhenClosed) {
  expect_ok([] {
    auto c = weft::make_chan<int>(1);
    c.send(1);
    auto result = weft::make_chan<std::string>(1);
    weft::go([c, result] { result.send(panic_message([&] { c.send(2); })); });
    settle();
    c.close();
    weft::check(result.recv() == "send on closed channel", "the blocked send panics");
    weft::check(c.recv() == 1 && !c.recv_ok(), "the buffered value survives, the blocked one is not added");
  }, 100);
}

TEST(Chan, CloseOfClosedChannelPanics) {
  expect_ok([] {
    auto c = weft::make_chan<int>();
    c.close();
    weft::check(panic_message([&] { c.close(); }) == "close of closed channel", "message");
  }, 5);
}

TEST(Chan, CloseOfNilChannelPanics) {
  expect_ok([] {
    weft::Chan<int> nil;
    weft::check(panic_message([&] { nil.close(); }) == "close of nil channel", "message");
    weft::SendChan<int> nil_view;
    weft::check(panic_message([&] { nil_view.close(); }) == "close of nil channel", "view");
  }, 5);
}

TEST(Chan, PanicLocationIsTheChannelOperation) {
  expect_ok([] {
    auto c = weft::make_chan<int>();
    c.close();
    std::uint32_t line = 0, at_line = 0;
    try {
      at_line = std::source_location::current().line(); c.send(1);
    } catch (const weft::Panic& p) {
      line = p.where().line;
    }
    weft::check(line == at_line && line != 0, "Panic::where() is the call site");
  }, 5);
}

TEST(Chan, PanicEscapingAGoroutineFailsTheIteration) {
  auto r = weft::explore([] {
    auto c = weft::make_chan<int>();
    auto done = weft::make_chan<int>();
    c.close();
    weft::go([c] { c.send(1); });
    done.recv();
  }, opts(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::panic);
  EXPECT_EQ(r.failure->report.rfind("panic: send on closed channel\n\ngoroutine 2 [running]:\n", 0),
            0u)
      << r.failure->report;
  EXPECT_NE(r.failure->report.find("created by goroutine 1 at "), std::string::npos);
  EXPECT_EQ(r.iteration, 0u) << "it fails in every interleaving";
}

TEST(Chan, PanicInMainFailsTheIteration) {
  auto r = weft::explore([] {
    weft::Chan<int> nil;
    nil.close();
  }, opts(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::panic);
  EXPECT_EQ(r.failure->report.rfind("panic: close of nil channel\n\ngoroutine 1 [running]:\n", 0),
            0u)
      << r.failure->report;
}

TEST(Chan, RecoveredPanicIsFine) {
  expect_ok([] {
    auto c = weft::make_chan<int>();
    auto done = weft::make_chan<bool>();
    c.close();
    weft::go([c, done] {
      bool recovered = false;
      try {
        c.send(1);
      } catch (const weft::Panic&) {
        recovered = true;  // Go's recover()
      }
      done.send(recovered);
    });
    weft::check(done.recv(), "recovered");
  });
}

// A goroutine blocked in a range loop is reported at the loop, not inside the library.
TEST(Chan, RangeLoopBlockedIsReportedAtTheLoop) {
  std::source_location here;
  auto r = weft::explore([&] {
    auto c = weft::make_chan<int>(1);
    c.send(1);
    int n = 0;
    here = std::source_location::current(); for (int v : c) n += v;
  }, opts(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock);
  std::string expected_at = std::string(here.file_name()) + ":" + std::to_string(here.line()) + ":";
  EXPECT_NE(r.failure->report.find("    blocked at " + expected_at), std::string::npos)
      << r.failure->report;
}

}  // namespace

}  // namespace chan_test
