// Conformance: the happens-before edges the runtime reports through weft::EventSink are
// exactly the Go memory model's channel rules (https://go.dev/ref/mem, "Channel
// communication"), checked with the naive vector clocks of recorder.hpp in every explored
// interleaving — including what must NOT be ordered.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "recorder.hpp"
#include "weft/weft.hpp"

namespace events_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using weft_test::Point;
using weft_test::Recorder;

weft::ExploreOptions opts(Recorder& rec, std::uint64_t iterations = 200) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.use_environment = false;
  o.sinks = {&rec};
  return o;
}

// Runs body; expects every iteration to pass and the recorder to have seen well-formed
// events.
template <class F>
void expect_ok(Recorder& rec, F body, std::uint64_t iterations = 200) {
  auto r = weft::explore(body, opts(rec, iterations));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_FALSE(rec.misuse) << "events broke the invariants of events.hpp";
  EXPECT_EQ(rec.iterations_begun, iterations);
  EXPECT_EQ(rec.iterations_ended, iterations);
  EXPECT_EQ(rec.goroutines_started, rec.goroutines_ended);
}

// Points travel between goroutines through these (set before the channel operation that
// publishes them; read after the operation that observes them).
struct Points {
  std::optional<Point> a, b;
};

TEST(Events, RecorderSanity) {
  // The recorder itself: program order, and no order without communication.
  Recorder rec;
  expect_ok(rec, [&] {
    Point p1 = rec.now(weft::goid());
    Point p2 = rec.now(weft::goid());
    weft::check(Recorder::happens_before(p1, p2), "program order");
    weft::check(!Recorder::happens_before(p2, p1), "not backwards");
    weft::check(!Recorder::happens_before(p1, p1), "irreflexive");
  }, 5);
}

TEST(Events, SpawnHappensBeforeTheChildsFirstStep) {
  Recorder rec;
  expect_ok(rec, [&] {
    auto done = weft::make_chan<int>();
    Points pts;
    Point before = rec.now(weft::goid());
    weft::go([&rec, &pts, done] {
      pts.b = rec.now(weft::goid());
      done.send(0);
    });
    Point after = rec.now(weft::goid());
    done.recv();
    weft::check(Recorder::happens_before(before, *pts.b), "go f() happens before f starts");
    weft::check(!Recorder::happens_before(after, *pts.b),
                "what the parent does after the go statement is not ordered before the child");
  });
}

TEST(Events, GoroutineEventsAreWellFormed) {
  Recorder rec;
  expect_ok(rec, [&] {
    auto done = weft::make_chan<int>();
    weft::go_named("a", [done] { done.send(0); });
    weft::go([done] { done.send(0); });
    done.recv();
    done.recv();
    weft::check(rec.last_starts.size() == 3, "main and two children");
    weft::check(rec.last_starts[0].id == 1 && rec.last_starts[0].parent == 0, "main");
    weft::check(rec.last_starts[1].id == 2 && rec.last_starts[1].parent == 1 &&
                    rec.names[1] == "a" && rec.last_starts[1].created_at.line != 0,
                "named child with its creation site");
    weft::check(rec.last_starts[2].id == 3 && rec.last_starts[2].parent == 1 &&
                    rec.names[2].empty(),
                "unnamed child");
  }, 20);
}

TEST(Events, TwoGoroutinesWithoutCommunicationAreConcurrent) {
  Recorder rec;
  expect_ok(rec, [&] {
    auto done = weft::make_chan<int>(2);
    Points pts;
    weft::go([&rec, &pts, done] {
      weft::yield();
      pts.a = rec.now(weft::goid());
      done.send(0);
    });
    weft::go([&rec, &pts, done] {
      weft::yield();
      pts.b = rec.now(weft::goid());
      done.send(0);
    });
    done.recv();
    done.recv();
    weft::check(Recorder::concurrent(*pts.a, *pts.b), "neither happens before the other");
  });
}

// "A send on a channel is synchronized before the completion of the corresponding receive."
void send_before_receive_completes(std::size_t capacity) {
  Recorder rec;
  expect_ok(rec, [&] {
    auto c = weft::make_chan<int>(capacity);
    auto done = weft::make_chan<int>(1);
    Points pts;
    weft::go([&rec, &pts, c, done] {
      c.recv();
      pts.b = rec.now(weft::goid());
      done.send(0);
    });
    pts.a = rec.now(weft::goid());
    c.send(1);
    done.recv();
    weft::check(Recorder::happens_before(*pts.a, *pts.b), "send happens before receive returns");
  });
}

TEST(Events, SendHappensBeforeReceiveCompletesUnbuffered) { send_before_receive_completes(0); }
TEST(Events, SendHappensBeforeReceiveCompletesBuffered) { send_before_receive_completes(3); }

// "A receive from an unbuffered channel is synchronized before the completion of the
// corresponding send on that channel."
TEST(Events, UnbufferedReceiveHappensBeforeSendCompletes) {
  Recorder rec;
  expect_ok(rec, [&] {
    auto c = weft::make_chan<int>();
    Points pts;
    weft::go([&rec, &pts, c] {
      pts.a = rec.now(weft::goid());
      c.recv();
    });
    c.send(1);
    Point after_send = rec.now(weft::goid());
    weft::check(Recorder::happens_before(*pts.a, after_send),
                "unbuffered: the receiver's past happens before the send completes");
  });
}

// For a buffered channel that rule does not hold: the sender learns nothing from the
// receiver of its own value.
TEST(Events, BufferedReceiveDoesNotHappenBeforeTheMatchingSendCompletes) {
  Recorder rec;
  expect_ok(rec, [&] {
    auto c = weft::make_chan<int>(1);
    auto done = weft::make_chan<int>(1);
    Points pts;
    weft::go([&rec, &pts, c, done] {
      pts.a = rec.now(weft::goid());
      c.recv();
      done.send(0);
    });
    weft::yield();
    c.send(1);
    Point after_send = rec.now(weft::goid());
    done.recv();
    weft::check(!Recorder::happens_before(*pts.a, after_send),
                "buffered: no edge from the receiver to the matching send");
  });
}

// "The kth receive on a channel with capacity C is synchronized before the completion of the
// k+Cth send from that channel completes."
constexpr int n = 8;  // operations per capacity test

void kth_receive_before_k_plus_c_send(std::size_t cap) {

  Recorder rec;
  expect_ok(rec, [&] {
    auto c = weft::make_chan<int>(cap);
    auto done = weft::make_chan<int>(1);
    std::vector<Point> before_recv(n), after_send(n);  // index k = the k-th operation (0-based)
    weft::go([&rec, &before_recv, c, done] {
      for (int k = 0; k < n; ++k) {
        before_recv[static_cast<std::size_t>(k)] = rec.now(weft::goid());
        weft::check(c.recv() == k, "FIFO");
      }
      done.send(0);
    });
    for (int k = 0; k < n; ++k) {
      c.send(k);
      after_send[static_cast<std::size_t>(k)] = rec.now(weft::goid());
    }
    done.recv();
    const int C = static_cast<int>(cap);
    for (int k = 0; k + C < n; ++k)
      weft::check(Recorder::happens_before(before_recv[static_cast<std::size_t>(k)],
                                           after_send[static_cast<std::size_t>(k + C)]),
                  "receive k happens before send k+C completes");
  });
}

TEST(Events, KthReceiveHappensBeforeKPlusCthSendCapacity1) { kth_receive_before_k_plus_c_send(1); }
TEST(Events, KthReceiveHappensBeforeKPlusCthSendCapacity3) { kth_receive_before_k_plus_c_send(3); }

// The other direction of the capacity rule: the k-th receive is NOT ordered before the
// (k+C-1)-th send (a counting semaphore of capacity C admits C holders at once).
void kth_receive_not_before_k_plus_c_minus_1_send(std::size_t cap) {

  Recorder rec;
  expect_ok(rec, [&] {
    auto c = weft::make_chan<int>(cap);
    auto done = weft::make_chan<int>(1);
    std::vector<Point> before_recv(n), after_send(n);
    weft::go([&rec, &before_recv, c, done] {
      for (int k = 0; k < n; ++k) {
        before_recv[static_cast<std::size_t>(k)] = rec.now(weft::goid());
        c.recv();
      }
      done.send(0);
    });
    for (int k = 0; k < n; ++k) {
      c.send(k);
      after_send[static_cast<std::size_t>(k)] = rec.now(weft::goid());
    }
    done.recv();
    const int C = static_cast<int>(cap);
    for (int k = 0; k + C - 1 < n; ++k)
      weft::check(!Recorder::happens_before(before_recv[static_cast<std::size_t>(k)],
                                            after_send[static_cast<std::size_t>(k + C - 1)]),
                  "receive k does not happen before send k+C-1 completes");
  });
}

TEST(Events, KthReceiveNotBeforeEarlierSendCapacity2) {
  kth_receive_not_before_k_plus_c_minus_1_send(2);
}
TEST(Events, KthReceiveNotBeforeEarlierSendCapacity3) {
  kth_receive_not_before_k_plus_c_minus_1_send(3);
}

// "The closing of a channel is synchronized before a receive that returns because the
// channel is closed."
TEST(Events, CloseHappensBeforeReceiveThatSeesClosed) {
  for (std::size_t cap : {0u, 2u}) {
    Recorder rec;
    expect_ok(rec, [&] {
      auto c = weft::make_chan<int>(cap);
      auto done = weft::make_chan<int>(1);
      Points pts;
      weft::go([&rec, &pts, c, done] {
        bool closed = !c.recv_ok();
        weft::check(closed, "only close ends this receive");
        pts.b = rec.now(weft::goid());
        done.send(0);
      });
      pts.a = rec.now(weft::goid());
      c.close();
      done.recv();
      weft::check(Recorder::happens_before(*pts.a, *pts.b), "close happens before the receive");
    });
  }
}

TEST(Events, CloseHappensBeforeSelectThatSeesClosed) {
  Recorder rec;
  expect_ok(rec, [&] {
    auto c = weft::make_chan<int>();
    auto never = weft::make_chan<int>();
    auto done = weft::make_chan<int>(1);
    Points pts;
    weft::go([&rec, &pts, c, never, done] {
      weft::select(weft::recv_case(never), weft::recv_case(c, [](std::optional<int>) {}));
      pts.b = rec.now(weft::goid());
      done.send(0);
    });
    pts.a = rec.now(weft::goid());
    c.close();
    done.recv();
    weft::check(Recorder::happens_before(*pts.a, *pts.b), "close happens before select returns");
  });
}

TEST(Events, SelectSendAndReceiveCarryTheSameEdges) {
  Recorder rec;
  expect_ok(rec, [&] {
    auto c = weft::make_chan<int>();
    auto never = weft::make_chan<int>();
    Points pts;
    weft::go([&rec, &pts, c, never] {
      pts.a = rec.now(weft::goid());
      weft::select(weft::send_case(c, 1), weft::recv_case(never));
    });
    weft::select(weft::recv_case(c), weft::recv_case(never));
    Point after = rec.now(weft::goid());
    weft::check(Recorder::happens_before(*pts.a, after), "send case before receive completes");
    weft::check(!Recorder::happens_before(after, *pts.a), "not backwards");
  });
}

TEST(Events, HappensBeforeIsTransitiveThroughAPipeline) {
  Recorder rec;
  expect_ok(rec, [&] {
    auto a = weft::make_chan<int>(1);
    auto b = weft::make_chan<int>();
    Points pts;
    weft::go([&rec, &pts, a, b] {
      int v = a.recv();
      pts.b = rec.now(weft::goid());  // the middle stage, between its receive and its send
      b.send(v + 1);
    });
    pts.a = rec.now(weft::goid());
    a.send(1);
    Point after_send = rec.now(weft::goid());
    weft::check(b.recv() == 2, "value");
    Point end = rec.now(weft::goid());
    weft::check(Recorder::happens_before(*pts.a, *pts.b), "main's send before the middle stage");
    weft::check(Recorder::happens_before(*pts.b, end), "the middle stage before main's receive");
    weft::check(!Recorder::happens_before(*pts.b, after_send),
                "the middle stage is not ordered before main's buffered send returned");
  });
}

TEST(Events, ChannelsFreedReportSyncFree) {
  // Iterations don't leak sync clocks into each other: a fresh channel in a new iteration
  // may reuse an old address, and the recorder (like the detector) must start it empty.
  Recorder rec;
  expect_ok(rec, [&] {
    Points pts;
    auto done = weft::make_chan<int>(1);
    weft::go([&rec, &pts, done] {
      auto tmp = weft::make_chan<int>(1);
      tmp.send(0);
      tmp.recv();
      pts.a = rec.now(weft::goid());
      done.send(0);
    });
    auto mine = weft::make_chan<int>(1);
    mine.send(0);
    mine.recv();
    Point p = rec.now(weft::goid());
    done.recv();
    weft::check(!Recorder::happens_before(*pts.a, p), "a private channel orders nothing");
  });
}

}  // namespace

}  // namespace events_test
