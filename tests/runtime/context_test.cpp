// Conformance: Go's context package — background, cancellation through a tree of contexts
// (never upwards), causes, deadlines and timeouts in virtual time (inherited from an earlier
// parent, already past), values through ancestors, what goroutines selecting on done()
// observe, and "cancel happens before a receive from done() that returns because of it".
#include <gtest/gtest.h>

#include <source_location>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "recorder.hpp"
#include "weft/gtest.hpp"
#include "weft/weft.hpp"

namespace context_test {  // this file's names, apart from the other tests' in a unity build

using namespace std::chrono_literals;

namespace {

using weft_test::Point;
using weft_test::Recorder;
using TP = weft::Clock::time_point;
using weft::ContextError;

weft::ExploreOptions opts(std::uint64_t iterations = 100) {
  return weft::gtest::isolated(iterations);
}

template <class F>
void expect_ok(F body, std::uint64_t iterations = 100,
               std::source_location where = std::source_location::current()) {
  weft::gtest::expect_every_schedule_passes(body, opts(iterations), where);
}

weft::Duration since_start() { return weft::Clock::now().time_since_epoch(); }

// done() is closed: a receive returns at once, with nothing (Go's `<-ctx.Done()` ready).
bool is_done(const weft::Context& c) {
  return c.done().try_recv().status == weft::RecvStatus::closed;
}
bool is_canceled(const weft::Context& c) {
  return is_done(c) && c.err() == ContextError::canceled;
}
bool is_live(const weft::Context& c) {
  return c.err() == ContextError::none && !is_done(c) && c.cause().empty();
}

TEST(Context, ErrorMessages) {
  EXPECT_EQ(weft::context_error_message(ContextError::none), "");
  EXPECT_EQ(weft::context_error_message(ContextError::canceled), "context canceled");
  EXPECT_EQ(weft::context_error_message(ContextError::deadline_exceeded),
            "context deadline exceeded");
}

TEST(Context, BackgroundIsNeverDone) {
  expect_ok([] {
    weft::Context bg = weft::background();
    weft::check(bg.err() == ContextError::none, "err is none");
    weft::check(bg.done().nil(), "done() is the nil channel");
    weft::check(!bg.deadline(), "no deadline");
    weft::check(bg.cause().empty(), "no cause");
    weft::check(bg.value("k") == nullptr, "no values");
    int fired = weft::select(weft::recv_case(bg.done()), weft::default_case());
    weft::check(fired == 1, "select takes default: done() is never ready");
    weft::Context dflt;
    weft::check(dflt.done().nil() && dflt.err() == ContextError::none, "Context() is background");
  }, 5);
}

TEST(Context, CancelClosesDoneAndSetsErr) {
  expect_ok([] {
    auto [ctx, cancel] = weft::with_cancel(weft::background());
    weft::check(is_live(ctx), "live before cancel");
    weft::check(!ctx.done().nil(), "a cancelable context has a real done channel");
    weft::check(!ctx.deadline(), "no deadline");
    cancel();
    weft::check(is_canceled(ctx), "cancelled");
    weft::check(ctx.cause() == "context canceled", "cause defaults to err's message");
    weft::check(!ctx.done().recv_ok(), "done is closed, not sent on");
  }, 5);
}

TEST(Context, CancelIsIdempotentAndTheFirstCauseSticks) {
  expect_ok([] {
    auto [ctx, cancel] = weft::with_cancel(weft::background());
    cancel("shutting down");
    weft::check(ctx.cause() == "shutting down", "cause via cancel(why)");
    weft::check(ctx.err() == ContextError::canceled, "err is still canceled");
    cancel();
    cancel("another reason");
    weft::check(ctx.cause() == "shutting down" && is_canceled(ctx), "later cancels are no-ops");
    auto [c2, cancel2] = weft::with_cancel(weft::background());
    cancel2();
    cancel2("late cause");
    weft::check(c2.cause() == "context canceled", "no cause given first: err's message");
  }, 5);
}

TEST(Context, CancellingAParentCancelsTheWholeSubtree) {
  expect_ok([] {
    auto [root, cancel_root] = weft::with_cancel(weft::background());
    auto [a, cancel_a] = weft::with_cancel(root);
    auto [b, cancel_b] = weft::with_cancel(root);
    weft::Context av = weft::with_value(a, "k", 1);  // a value node in between
    auto [a1, cancel_a1] = weft::with_cancel(av);
    auto [a2, cancel_a2] = weft::with_timeout(a, 1h);
    auto [b1, cancel_b1] = weft::with_cancel(b);
    std::vector<weft::Context> all = {root, a, b, av, a1, a2, b1};
    for (auto& c : all) weft::check(is_live(c), "live");
    cancel_root("stop");
    for (auto& c : all) {
      weft::check(is_canceled(c), "every descendant is cancelled");
      weft::check(c.cause() == "stop", "with the parent's cause");
    }
    weft::sleep(2h);
    weft::check(a2.err() == ContextError::canceled, "a cancelled timeout stays canceled");
    cancel_a1();  // no-op now
    cancel_b();
  }, 20);
}

TEST(Context, CancellingAChildLeavesItsParentAndSiblings) {
  expect_ok([] {
    auto [root, cancel_root] = weft::with_cancel(weft::background());
    auto [a, cancel_a] = weft::with_cancel(root);
    auto [b, cancel_b] = weft::with_cancel(root);
    auto [a1, cancel_a1] = weft::with_cancel(a);
    cancel_a();
    weft::check(is_canceled(a) && is_canceled(a1), "the child and its child");
    weft::check(is_live(root) && is_live(b), "not the parent, not the sibling");
    cancel_root();
    weft::check(is_canceled(b), "the parent still cancels its remaining children");
    weft::check(a.cause() == "context canceled", "a keeps its own cancellation");
  }, 20);
}

TEST(Context, ChildOfACancelledParentIsBornCancelled) {
  expect_ok([] {
    auto [root, cancel_root] = weft::with_cancel(weft::background());
    cancel_root("gone");
    auto [c, cancel_c] = weft::with_cancel(root);
    weft::check(is_canceled(c) && c.cause() == "gone", "born cancelled, with the cause");
    auto [t, cancel_t] = weft::with_timeout(root, 1h);
    weft::check(is_canceled(t), "a timeout child too");
    cancel_c();
    cancel_t();
  }, 5);
}

TEST(Context, WithTimeoutExpiresAtExactlyTheDeadline) {
  expect_ok([] {
    weft::sleep(1s);
    auto [ctx, cancel] = weft::with_timeout(weft::background(), 100ms);
    weft::check(ctx.deadline() == TP(1100ms), "deadline = now + timeout");
    auto seen = weft::make_chan<weft::Duration>(1);
    weft::go([ctx, seen] {
      ctx.done().recv();
      seen.send(since_start());
    });
    weft::sleep(99ms);
    weft::check(is_live(ctx), "still live 1ms before the deadline");
    weft::check(seen.recv() == 1100ms, "done closed at exactly the deadline");
    weft::check(ctx.err() == ContextError::deadline_exceeded, "deadline exceeded");
    weft::check(ctx.cause() == "context deadline exceeded", "cause");
    cancel();
    weft::check(ctx.err() == ContextError::deadline_exceeded, "cancel after expiry: no change");
  }, 50);
}

TEST(Context, WithDeadlineAndWhoSelectsOnDone) {
  expect_ok([] {
    auto [ctx, cancel] = weft::with_deadline(weft::background(), TP(3s));
    auto work = weft::make_chan<int>();
    int fired = weft::select(weft::recv_case(work), weft::recv_case(ctx.done()));
    weft::check(fired == 1 && since_start() == 3s, "done fired at the deadline");
    weft::check(ctx.err() == ContextError::deadline_exceeded, "err");
    cancel();
  }, 20);
}

TEST(Context, ChildInheritsAnEarlierParentDeadline) {
  expect_ok([] {
    auto [parent, cancel_p] = weft::with_timeout(weft::background(), 1s);
    auto [child, cancel_c] = weft::with_timeout(parent, 5s);
    weft::check(child.deadline() == TP(1s), "the parent's earlier deadline");
    weft::Context v = weft::with_value(child, "k", 1);
    weft::check(v.deadline() == TP(1s), "seen through a value node");
    child.done().recv();
    weft::check(since_start() == 1s, "expired with the parent");
    weft::check(child.err() == ContextError::deadline_exceeded, "deadline exceeded, inherited");
    weft::check(child.cause() == "context deadline exceeded", "cause inherited");
    cancel_c();
    cancel_p();
  }, 20);
}

TEST(Context, ChildWithAnEarlierDeadlineExpiresAlone) {
  expect_ok([] {
    auto [parent, cancel_p] = weft::with_timeout(weft::background(), 5s);
    auto [child, cancel_c] = weft::with_timeout(parent, 1s);
    weft::check(child.deadline() == TP(1s) && parent.deadline() == TP(5s), "own deadlines");
    child.done().recv();
    weft::check(since_start() == 1s, "at 1s");
    weft::check(is_live(parent), "the parent is unaffected");
    parent.done().recv();
    weft::check(since_start() == 5s, "the parent expires at 5s");
    cancel_c();
    cancel_p();
  }, 20);
}

TEST(Context, DeadlineAlreadyPastIsCancelledImmediately) {
  expect_ok([] {
    weft::sleep(10s);
    auto [a, ca] = weft::with_deadline(weft::background(), TP(5s));
    weft::check(is_done(a) && a.err() == ContextError::deadline_exceeded, "past deadline");
    auto [b, cb] = weft::with_timeout(weft::background(), 0s);
    weft::check(is_done(b) && b.err() == ContextError::deadline_exceeded, "zero timeout");
    auto [c, cc] = weft::with_timeout(weft::background(), -1s);
    weft::check(is_done(c) && c.err() == ContextError::deadline_exceeded, "negative timeout");
    weft::check(since_start() == 10s, "without waiting");
    ca();
    cb();
    cc();
  }, 5);
}

TEST(Context, CancelBeforeTheDeadlineStaysCanceled) {
  expect_ok([] {
    auto [ctx, cancel] = weft::with_timeout(weft::background(), 1s);
    weft::sleep(500ms);
    cancel();
    weft::check(is_canceled(ctx), "canceled");
    weft::sleep(1h);
    weft::check(ctx.err() == ContextError::canceled, "the deadline passing changes nothing");
    weft::check(ctx.deadline() == TP(1s), "deadline() still reports it");
  }, 5);
}

TEST(Context, ValuesThroughAncestors) {
  expect_ok([] {
    weft::Context a = weft::with_value(weft::background(), "user", std::string("ann"));
    auto [c, cancel] = weft::with_cancel(a);
    weft::Context b = weft::with_value(c, "id", 7);
    weft::Context shadow = weft::with_value(b, "user", std::string("bob"));
    weft::check(b.value_as<std::string>("user") == "ann", "through a cancel node");
    weft::check(b.value_as<int>("id") == 7, "own value");
    weft::check(shadow.value_as<std::string>("user") == "bob", "the nearest wins");
    weft::check(b.value_as<std::string>("user") == "ann", "the ancestor is unchanged");
    weft::check(a.value("id") == nullptr, "not from descendants");
    weft::check(b.value("missing") == nullptr && !b.value_as<int>("missing"), "missing key");
    weft::check(!b.value_as<long>("id"), "wrong type: nullopt");
    const std::any* raw = b.value("id");
    weft::check(raw && std::any_cast<int>(*raw) == 7, "raw std::any");
    weft::check(b.done() == c.done(), "a value node's done is its parent's");
    cancel();
    weft::check(is_canceled(b) && is_canceled(shadow), "cancellation seen through value nodes");
    weft::check(shadow.value_as<int>("id") == 7, "values survive cancellation");
  }, 5);
}

TEST(Context, GoroutinesSelectingOnDoneObserveTheCancellation) {
  expect_ok([] {
    auto [ctx, cancel] = weft::with_cancel(weft::background());
    auto jobs = weft::make_chan<int>();
    auto report = weft::make_chan<std::string>(3);
    for (int w = 0; w < 3; ++w)
      weft::go([ctx, jobs, report] {
        int handled = 0;
        for (;;) {
          bool stop = false;
          weft::select(weft::recv_case(jobs, [&](int) { ++handled; }),
                       weft::recv_case(ctx.done(), [&] { stop = true; }));
          if (stop) break;
        }
        weft::check(ctx.err() == ContextError::canceled, "err after done");
        report.send(ctx.cause());
      });
    for (int j = 0; j < 5; ++j) jobs.send(j);
    cancel("done for today");
    for (int w = 0; w < 3; ++w)
      weft::check(report.recv() == "done for today", "every worker saw the cause");
  }, 200);
}

TEST(Context, CancelAndDeadlineAtTheSameInstantRaceBothWays) {
  // Cancel at 1s vs deadline at 1s. As in Go, where the deadline's cancellation runs on its
  // own timer goroutine, either may come first, and both orders are explored; whichever
  // wins sets err once and for all.
  std::set<ContextError> seen;
  expect_ok([&] {
    auto [ctx, cancel] = weft::with_timeout(weft::background(), 1s);
    weft::go([cancel] {
      weft::sleep(1s);
      cancel();
    });
    ctx.done().recv();
    ContextError e = ctx.err();
    weft::check(e != ContextError::none, "set");
    weft::sleep(1s);
    weft::check(ctx.err() == e, "err never changes");
    seen.insert(e);
  }, 200);
  EXPECT_EQ(seen, (std::set<ContextError>{ContextError::canceled, ContextError::deadline_exceeded}));
}

TEST(ContextHappensBefore, CancelBeforeTheReceiveFromDone) {
  Recorder rec;
  auto o = opts(200);
  o.sinks = {&rec};
  auto r = weft::explore([&] {
    auto [ctx, cancel] = weft::with_cancel(weft::background());
    std::optional<Point> got[2];
    auto fin = weft::make_chan<int>(2);
    for (int i = 0; i < 2; ++i)
      weft::go([&, i, ctx, fin] {
        ctx.done().recv();
        got[i] = rec.now(weft::goid());
        fin.send(0);
      });
    weft::sleep(1ms);
    Point before = rec.now(weft::goid());
    cancel();
    Point after = rec.now(weft::goid());
    fin.recv();
    fin.recv();
    for (auto& g : got) {
      weft::check(Recorder::happens_before(before, *g), "cancel happens before <-Done()");
      weft::check(!Recorder::happens_before(after, *g), "after cancel: unordered");
    }
    weft::check(Recorder::concurrent(*got[0], *got[1]), "the two receivers are unordered");
  }, o);
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_FALSE(rec.misuse);
}

TEST(ContextHappensBefore, CreatingATimeoutBeforeTheReceiveFromDone) {
  // Like a timer: what the creator did before with_timeout happens before a receive from
  // done() that returns because the deadline passed.
  Recorder rec;
  auto o = opts(100);
  o.sinks = {&rec};
  auto r = weft::explore([&] {
    std::optional<weft::Context> ctx;
    std::optional<Point> got;
    auto fin = weft::make_chan<int>(1);
    weft::go([&, fin] {
      weft::sleep(1ms);  // main created the context by now
      ctx->done().recv();
      got = rec.now(weft::goid());
      fin.send(0);
    });
    Point before = rec.now(weft::goid());
    auto [c, cancel] = weft::with_timeout(weft::background(), 1s);
    Point after = rec.now(weft::goid());
    ctx = c;
    fin.recv();
    weft::check(Recorder::happens_before(before, *got), "creation happens before expiry");
    weft::check(!Recorder::happens_before(after, *got), "after creation: unordered");
    cancel();
  }, o);
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_FALSE(rec.misuse);
}

}  // namespace

}  // namespace context_test
