// weft::run, the parallel scheduler, on real OS threads. Every assertion is about an outcome
// that does not depend on timing: counts and sums of messages (none lost, none duplicated),
// which case a select must take, exit codes and messages of the fatal errors. The stress
// tests run at procs 1, 2 and 4; WEFT_STRESS_SCALE=N multiplies their sizes (CI: 1).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "weft/weft.hpp"

#include "test_support.hpp"

namespace run_test {  // this file's names, apart from the other tests' in a unity build

using namespace std::chrono_literals;

namespace {

long scaled(long n) {
  const char* s = std::getenv("WEFT_STRESS_SCALE");
  long k = s ? std::atol(s) : 1;
  return n * (k > 0 ? k : 1);
}

using weft_test::procs;

// Each value 0..n-1 must arrive exactly once.
struct Seen {
  explicit Seen(long n) : marks(static_cast<std::size_t>(n)) {}
  void mark(long v) { marks[static_cast<std::size_t>(v)].fetch_add(1); }
  long missing_or_duplicated() const {
    long bad = 0;
    for (const auto& m : marks) bad += m.load() != 1;
    return bad;
  }
  std::vector<std::atomic<int>> marks;
};

class RunProcs : public ::testing::TestWithParam<unsigned> {};

TEST_P(RunProcs, MainRunsAndRunReturnsZero) {
  int got = 0;
  EXPECT_EQ(weft::run([&] {
              auto c = weft::make_chan<int>();
              weft::go([c] { c.send(41); });
              got = c.recv() + 1;
            }, procs(GetParam())),
            0);
  EXPECT_EQ(got, 42);
}

// Producers send disjoint ranges through one channel; consumers mark what they receive.
void channel_stress(unsigned p, std::size_t cap) {
  const long producers = 8, consumers = 4, per = scaled(5000);
  Seen seen(producers * per);
  std::atomic<long> received{0};
  ASSERT_EQ(weft::run([&] {
              auto c = weft::make_chan<long>(cap);
              weft::WaitGroup prod, cons;
              prod.add(producers);
              cons.add(consumers);
              for (long i = 0; i < producers; ++i)
                weft::go([&, c, i] {
                  for (long k = 0; k < per; ++k) c.send(i * per + k);
                  prod.done();
                });
              for (long i = 0; i < consumers; ++i)
                weft::go([&, c] {
                  for (long v : c) {
                    seen.mark(v);
                    received.fetch_add(1);
                  }
                  cons.done();
                });
              prod.wait();
              c.close();
              cons.wait();
            }, procs(p)),
            0);
  EXPECT_EQ(received.load(), producers * per);
  EXPECT_EQ(seen.missing_or_duplicated(), 0);
}

TEST_P(RunProcs, UnbufferedChannelLosesAndDuplicatesNothing) { channel_stress(GetParam(), 0); }
TEST_P(RunProcs, BufferedChannelLosesAndDuplicatesNothing) { channel_stress(GetParam(), 16); }

// A chain of goroutines passes tokens along; each hop adds one.
TEST_P(RunProcs, TokenChainKeepsEveryToken) {
  const int n = 16;
  const long tokens = scaled(500);
  long total = 0, count = 0;
  ASSERT_EQ(weft::run([&] {
              std::vector<weft::Chan<long>> links;
              for (int i = 0; i <= n; ++i) links.push_back(weft::make_chan<long>(i % 3));
              for (int i = 0; i < n; ++i)
                weft::go([in = links[i], out = links[i + 1]] {
                  for (long v : in) out.send(v + 1);
                  out.close();
                });
              weft::go([first = links[0], tokens] {
                for (long t = 0; t < tokens; ++t) first.send(0);
                first.close();
              });
              for (long h : links[n]) {
                total += h;
                ++count;
              }
            }, procs(GetParam())),
            0);
  EXPECT_EQ(count, tokens);
  EXPECT_EQ(total, tokens * n);
}

TEST_P(RunProcs, SelectOverManyChannelsLosesAndDuplicatesNothing) {
  const long chans = 4, per = scaled(4000);
  Seen seen(chans * per);
  long got = 0;
  ASSERT_EQ(weft::run([&] {
              std::vector<weft::Chan<long>> cs;
              for (long i = 0; i < chans; ++i) cs.push_back(weft::make_chan<long>(i % 2 ? 4 : 0));
              for (long i = 0; i < chans; ++i)
                weft::go([c = cs[i], i, per] {
                  for (long k = 0; k < per; ++k) c.send(i * per + k);
                  c.close();
                });
              std::vector<weft::Chan<long>> open = cs;
              long live = chans;
              while (live > 0) {
                auto on = [&](long idx) {
                  return [&, idx](std::optional<long> v) {
                    if (!v) {
                      open[idx] = weft::Chan<long>();  // nil: never ready again
                      --live;
                      return;
                    }
                    seen.mark(*v);
                    ++got;
                  };
                };
                weft::select(weft::recv_case(open[0], on(0)), weft::recv_case(open[1], on(1)),
                             weft::recv_case(open[2], on(2)), weft::recv_case(open[3], on(3)));
              }
            }, procs(GetParam())),
            0);
  EXPECT_EQ(got, chans * per);
  EXPECT_EQ(seen.missing_or_duplicated(), 0);
}

// Senders in select race each other and plain receivers on shared channels.
TEST_P(RunProcs, SelectSendersAndReceiversOnSharedChannels) {
  const long senders = 6, per = scaled(2000);
  Seen seen(senders * per);
  std::atomic<long> got{0};
  ASSERT_EQ(weft::run([&] {
              auto a = weft::make_chan<long>(), b = weft::make_chan<long>(2);
              weft::WaitGroup sent, recvd;
              sent.add(senders);
              recvd.add(4);
              for (long s = 0; s < senders; ++s)
                weft::go([&, a, b, s] {
                  for (long k = 0; k < per; ++k)
                    weft::select(weft::send_case(a, s * per + k), weft::send_case(b, s * per + k));
                  sent.done();
                });
              for (int r = 0; r < 4; ++r)
                weft::go([&, c = r % 2 ? a : b] {
                  for (long v : c) {
                    seen.mark(v);
                    got.fetch_add(1);
                  }
                  recvd.done();
                });
              sent.wait();
              a.close();
              b.close();
              recvd.wait();
            }, procs(GetParam())),
            0);
  EXPECT_EQ(got.load(), senders * per);
  EXPECT_EQ(seen.missing_or_duplicated(), 0);
}

TEST_P(RunProcs, MutexLosesNoIncrement) {
  const long workers = 8, per = scaled(20000);
  long counter = 0;
  ASSERT_EQ(weft::run([&] {
              weft::Mutex mu;
              weft::WaitGroup wg;
              wg.add(workers);
              for (long w = 0; w < workers; ++w)
                weft::go([&] {
                  for (long i = 0; i < per; ++i) {
                    mu.lock();
                    ++counter;
                    if (i % 64 == 0) weft::yield();  // hand the lock over while held, too
                    mu.unlock();
                  }
                  wg.done();
                });
              wg.wait();
            }, procs(GetParam())),
            0);
  EXPECT_EQ(counter, workers * per);
}

TEST_P(RunProcs, RWMutexExcludesWritersFromReaders) {
  const long rounds = scaled(3000);
  long value = 0;
  std::atomic<long> odd{0};
  ASSERT_EQ(weft::run([&] {
              weft::RWMutex rw;
              weft::WaitGroup wg;
              wg.add(4);
              for (int w = 0; w < 2; ++w)
                weft::go([&] {
                  for (long i = 0; i < rounds; ++i) {
                    rw.lock();
                    ++value;  // odd only while a writer holds the lock
                    ++value;
                    rw.unlock();
                  }
                  wg.done();
                });
              for (int r = 0; r < 2; ++r)
                weft::go([&] {
                  for (long i = 0; i < rounds; ++i) {
                    rw.lock_shared();
                    if (value % 2 != 0) odd.fetch_add(1);
                    rw.unlock_shared();
                  }
                  wg.done();
                });
              wg.wait();
            }, procs(GetParam())),
            0);
  EXPECT_EQ(value, 4 * rounds);
  EXPECT_EQ(odd.load(), 0);
}

// A queue guarded by a Mutex and a Cond: every item put is taken exactly once.
TEST_P(RunProcs, CondQueueTakesEveryItemOnce) {
  const long items = scaled(3000);
  const int consumers = 3;
  long sum = 0, taken = 0;
  ASSERT_EQ(weft::run([&] {
              weft::Mutex mu;
              weft::Cond cond(mu);
              std::vector<long> q;
              weft::WaitGroup wg;
              wg.add(consumers);
              for (int c = 0; c < consumers; ++c)
                weft::go([&] {
                  for (;;) {
                    mu.lock();
                    while (q.empty()) cond.wait();
                    long v = q.back();
                    q.pop_back();
                    if (v > 0) {
                      sum += v;
                      ++taken;
                    }
                    mu.unlock();
                    if (v < 0) break;
                  }
                  wg.done();
                });
              for (long i = 1; i <= items; ++i) {
                mu.lock();
                q.push_back(i);
                cond.signal();
                mu.unlock();
              }
              mu.lock();
              for (int c = 0; c < consumers; ++c) q.insert(q.begin(), -1);  // taken last
              cond.broadcast();
              mu.unlock();
              wg.wait();
            }, procs(GetParam())),
            0);
  EXPECT_EQ(taken, items);
  EXPECT_EQ(sum, items * (items + 1) / 2);
}

// Goroutines that wait on a Cond and then block on a channel: a signal that dequeued a
// waiter before it parked must not ready it later, while it waits on the channel (the
// receive would then return as if the channel were closed, and a value would go missing).
TEST_P(RunProcs, CondSignalNeverWakesALaterChannelWait) {
  const long rounds = scaled(2000);
  const int workers = 4;
  Seen seen(rounds);
  std::atomic<long> closed_early{0};
  std::atomic<bool> closing{false};
  ASSERT_EQ(weft::run([&] {
              weft::Mutex mu;
              weft::Cond cond(mu);
              long tickets = 0;
              auto values = weft::make_chan<long>();
              weft::WaitGroup wg;
              wg.add(workers);
              for (int w = 0; w < workers; ++w)
                weft::go([&, values] {
                  for (;;) {
                    mu.lock();
                    while (tickets == 0) cond.wait();
                    --tickets;
                    mu.unlock();
                    auto v = values.recv_ok();
                    if (!v) {
                      if (!closing.load()) closed_early.fetch_add(1);
                      break;
                    }
                    seen.mark(*v);
                  }
                  wg.done();
                });
              for (long i = 0; i < rounds; ++i) {
                mu.lock();
                ++tickets;
                cond.signal();
                mu.unlock();
                values.send(i);
              }
              mu.lock();
              tickets += workers;
              cond.broadcast();
              mu.unlock();
              closing.store(true);
              values.close();
              wg.wait();
            }, procs(GetParam())),
            0);
  EXPECT_EQ(seen.missing_or_duplicated(), 0);
  EXPECT_EQ(closed_early.load(), 0);
}

// Under ThreadSanitizer each goroutine record that has run keeps a TSan fiber, and TSan
// allows 8,128 threads and fibers at once: the spawns go in rounds there, so that records
// are reused instead of made for every goroutine.
#if defined(__SANITIZE_THREAD__)
#define RUN_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RUN_TEST_TSAN 1
#endif
#endif
#ifdef RUN_TEST_TSAN
constexpr long kSpawnRound = 1000;
#else
constexpr long kSpawnRound = std::numeric_limits<long>::max();
#endif

TEST_P(RunProcs, ManySpawnsAllJoin) {
  const long n = scaled(20000);
  std::atomic<long> ran{0};
  ASSERT_EQ(weft::run([&] {
              for (long begun = 0; begun < n;) {
                const long round = std::min(n - begun, kSpawnRound);
                weft::WaitGroup wg;
                wg.add(round);
                for (long i = 0; i < round; ++i)
                  weft::go([&] {
                    ran.fetch_add(1);
                    wg.done();
                  });
                wg.wait();
                begun += round;
              }
            }, procs(GetParam())),
            0);
  EXPECT_EQ(ran.load(), n);
}

// Timers: only outcomes that hold however late the timer fires.
TEST_P(RunProcs, TimersFireAndStopDeterministically) {
  bool slept = false, timed_out = false, stopped = false, ticked = false;
  weft::ContextError err = weft::ContextError::none;
  ASSERT_EQ(weft::run([&] {
              auto t0 = weft::Clock::now();
              weft::sleep(2ms);
              slept = weft::Clock::now() - t0 >= 2ms;
              auto never = weft::make_chan<int>();
              int fired = weft::select(weft::recv_case(never), weft::recv_case(weft::after(1ms)));
              timed_out = fired == 1;
              weft::Timer t(1h);
              stopped = t.stop();
              weft::Ticker tick(1ms);
              tick.c().recv();
              tick.c().recv();
              tick.stop();
              ticked = true;
              auto [ctx, cancel] = weft::with_timeout(weft::background(), 1ms);
              ctx.done().recv();
              err = ctx.err();
              cancel();
            }, procs(GetParam())),
            0);
  EXPECT_TRUE(slept);
  EXPECT_TRUE(timed_out);
  EXPECT_TRUE(stopped);
  EXPECT_TRUE(ticked);
  EXPECT_EQ(err, weft::ContextError::deadline_exceeded);
}

// Many goroutines sleep at once: every one of them wakes.
TEST_P(RunProcs, EverySleeperWakes) {
  const long n = 200;
  std::atomic<long> woke{0};
  ASSERT_EQ(weft::run([&] {
              weft::WaitGroup wg;
              wg.add(n);
              for (long i = 0; i < n; ++i)
                weft::go([&, i] {
                  weft::sleep(std::chrono::microseconds(i % 7 * 100));
                  woke.fetch_add(1);
                  wg.done();
                });
              wg.wait();
            }, procs(GetParam())),
            0);
  EXPECT_EQ(woke.load(), n);
}

// Two goroutines handing a value back and forth forever must not starve a third one on
// the same processor (runnext gives way to the queue).
TEST_P(RunProcs, HandOffsDoNotStarveOthers) {
  ASSERT_EQ(weft::run([&] {
              auto ping = weft::make_chan<int>(), pong = weft::make_chan<int>();
              auto stop = weft::make_chan<weft::Unit>();
              weft::go([=] {
                for (;;) pong.send(ping.recv());
              });
              weft::go([=] { stop.close(); });
              for (int i = 0;; ++i) {
                int fired = weft::select(weft::recv_case(stop), weft::default_case());
                if (fired == 0) break;
                ping.send(i);
                pong.recv();
              }
            }, procs(GetParam())),
            0);
}

// Two goroutines handing a value back and forth switch straight into each other, never
// through the scheduler loop that fires timers; a timer must still fire (and wake main)
// while they go on forever.
TEST_P(RunProcs, TimersFireWhileGoroutinesHandOffForever) {
  ASSERT_EQ(weft::run([&] {
              auto ping = weft::make_chan<int>(), pong = weft::make_chan<int>();
              weft::go([=] {
                for (;;) pong.send(ping.recv() + 1);
              });
              weft::go([=] {
                for (int i = 0;; i = pong.recv()) ping.send(i);
              });
              weft::sleep(1ms);
            }, procs(GetParam())),
            0);
}

// A select with several ready cases picks one uniformly at random (Go's rule), also when
// some cases between them are not ready: a scan from a random start that takes the first
// ready case would favour the case after a not-ready one.
TEST_P(RunProcs, SelectPicksUniformlyAmongReadyCases) {
  const int n = 3000;
  int picked[3] = {0, 0, 0};
  ASSERT_EQ(weft::run([&] {
              auto a = weft::make_chan<int>(1), never = weft::make_chan<int>(),
                   b = weft::make_chan<int>(1);
              for (int i = 0; i < n; ++i) {
                if (a.len() == 0) a.send(0);
                if (b.len() == 0) b.send(0);
                ++picked[weft::select(weft::recv_case(a), weft::recv_case(never),
                                      weft::recv_case(b))];
              }
            }, procs(GetParam())),
            0);
  EXPECT_EQ(picked[1], 0);
  // Each of the two ready cases half the time: 1,500 +- 200 is more than 7 standard
  // deviations (about 27) either way.
  EXPECT_NEAR(picked[0], n / 2, 200);
  EXPECT_NEAR(picked[2], n / 2, 200);
}

// The same with two cases, for each way a case can be ready: a buffered receive against a
// receive from a closed channel, and a send into buffer space against a buffered receive.
// (select looks at the cases before it locks; a closed channel or free space must count as
// ready as much as a value in the buffer does.)
TEST_P(RunProcs, SelectPicksEitherOfTwoReadyCasesHalfTheTime) {
  const int n = 3000;
  int closed_vs_value[2] = {0, 0}, send_vs_recv[2] = {0, 0};
  ASSERT_EQ(weft::run([&] {
              auto a = weft::make_chan<int>(1), done = weft::make_chan<int>();
              done.close();
              for (int i = 0; i < n; ++i) {
                if (a.len() == 0) a.send(0);
                ++closed_vs_value[weft::select(weft::recv_case(a), weft::recv_case(done))];
              }
              auto out = weft::make_chan<int>(1), in = weft::make_chan<int>(1);
              for (int i = 0; i < n; ++i) {
                if (out.len() == 1) out.recv();
                if (in.len() == 0) in.send(0);
                ++send_vs_recv[weft::select(weft::send_case(out, 1), weft::recv_case(in))];
              }
            }, procs(GetParam())),
            0);
  // 1,500 +- 200: more than 7 standard deviations either way.
  EXPECT_NEAR(closed_vs_value[0], n / 2, 200);
  EXPECT_NEAR(closed_vs_value[1], n / 2, 200);
  EXPECT_NEAR(send_vs_recv[0], n / 2, 200);
  EXPECT_NEAR(send_vs_recv[1], n / 2, 200);
}

// A goroutine readied by a hand-off waits in its waker's runnext (or ring), and no wake-up
// is sent for it; with more than one processor it must still run beside a waker that never
// blocks again (here: spins until the readied goroutines have run). try_send on an
// unbuffered channel succeeds only into a parked receiver, so main is the waker every time.
// One readied goroutine sits in runnext; with two, the first is pushed into the ring.
TEST_P(RunProcs, ReadiedGoroutinesRunBesideAWakerThatNeverBlocks) {
  if (GetParam() < 2) GTEST_SKIP() << "one processor runs one goroutine at a time";
  for (int readied = 1; readied <= 2; ++readied) {
    for (int round = 0; round < 20; ++round) {
      std::atomic<int> ran{0};
      ASSERT_EQ(weft::run([&] {
                  std::vector<weft::Chan<int>> cs;
                  for (int i = 0; i < readied; ++i) {
                    auto c = weft::make_chan<int>();
                    cs.push_back(c);
                    weft::go([&ran, c] {
                      c.recv();
                      ran.fetch_add(1);
                    });
                  }
                  for (auto& c : cs)
                    while (!c.try_send(1)) weft::yield();
                  while (ran.load() < readied) {
                  }
                }, procs(GetParam())),
                0);
      EXPECT_EQ(ran.load(), readied);
    }
  }
}

// Main returning ends the run even with goroutines blocked forever (Go's rule).
TEST_P(RunProcs, MainReturningAbandonsBlockedGoroutines) {
  std::atomic<int> started{0};
  ASSERT_EQ(weft::run([&] {
              auto never = weft::make_chan<int>();
              weft::WaitGroup wg;
              wg.add(10);
              for (int i = 0; i < 10; ++i)
                weft::go([&, never] {
                  started.fetch_add(1);
                  wg.done();
                  never.recv();
                });
              wg.wait();
            }, procs(GetParam())),
            0);
  EXPECT_EQ(started.load(), 10);
}

// An element that counts the destruction of the one tagged 7 (moved-from ones are 0).
struct Tagged {
  static inline std::atomic<int> gone{0};
  int tag = 0;
  Tagged() = default;
  explicit Tagged(int t) : tag(t) {}
  Tagged(Tagged&& o) noexcept : tag(std::exchange(o.tag, 0)) {}
  Tagged& operator=(Tagged&& o) noexcept {
    tag = std::exchange(o.tag, 0);
    return *this;
  }
  ~Tagged() {
    if (tag == 7) gone.fetch_add(1);
  }
};

// A select's cases hold no copy of a variable's handle; a select that blocks pins its
// channels instead. Dropping the last handle of one while the select waits must leave that
// channel alive (its buffered element with it) until the select, woken through another
// channel, has unlinked itself. One processor: the selector, spawned first, blocks before
// the dropper, spawned second, runs (the ring is first in, first out).
TEST(Run, ABlockedSelectKeepsAChannelWhoseLastHandleIsDropped) {
  Tagged::gone = 0;
  int gone_while_blocked = -1;
  ASSERT_EQ(weft::run([&] {
              struct Node {
                weft::Chan<Tagged> ch;
              };
              auto n = std::make_shared<Node>();
              n->ch = weft::make_chan<Tagged>(1);
              n->ch.send(Tagged(7));  // full: the select's send case cannot fire
              auto wake = weft::make_chan<int>(), done = weft::make_chan<int>();
              weft::go([n, wake, done] {
                const int fired =
                    weft::select(weft::send_case(n->ch, Tagged(1)), weft::recv_case(wake));
                done.send(fired);
              });
              weft::go([&, n, wake] {
                n->ch = weft::Chan<Tagged>();  // the last handle of the full channel
                gone_while_blocked = Tagged::gone.load();
                wake.send(0);
              });
              EXPECT_EQ(done.recv(), 1);
            }, procs(1)),
            0);
  EXPECT_EQ(gone_while_blocked, 0) << "the channel was freed under the blocked select";
  EXPECT_EQ(Tagged::gone.load(), 1) << "the channel is freed once the select returns";
}

// A case made from a temporary handle owns it: the case may outlive the expression.
TEST(Run, ACaseMadeFromATemporaryHandleKeepsItsChannel) {
  Tagged::gone = 0;
  ASSERT_EQ(weft::run([&] {
              auto ch = weft::make_chan<Tagged>(1);
              ch.send(Tagged(7));
              int got = 0;
              auto c = weft::recv_case(weft::Chan<Tagged>(ch), [&](Tagged t) { got = t.tag; });
              ch = weft::Chan<Tagged>();  // c's copy is now the only handle
              EXPECT_EQ(Tagged::gone.load(), 0);
              EXPECT_EQ(weft::select(std::move(c)), 0);
              EXPECT_EQ(got, 7);
            }, procs(1)),
            0);
}

INSTANTIATE_TEST_SUITE_P(Procs, RunProcs, ::testing::Values(1u, 2u, 4u),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

TEST(Run, ReportsBadProcsAndRefusesToStart) {
  bool ran = false;
  weft::RunOptions o;
  o.procs = 5000;
  o.use_environment = false;
  testing::internal::CaptureStderr();
  EXPECT_EQ(weft::run([&] { ran = true; }, o), 2);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("RunOptions::procs = 5000"), std::string::npos) << err;

  ::setenv("WEFT_PROCS", "two", 1);
  testing::internal::CaptureStderr();
  EXPECT_EQ(weft::run([&] { ran = true; }), 2);
  err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("WEFT_PROCS='two' is not a whole number"), std::string::npos) << err;
  ::setenv("WEFT_PROCS", "0", 1);
  testing::internal::CaptureStderr();
  EXPECT_EQ(weft::run([&] { ran = true; }), 2);
  err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("WEFT_PROCS=0 is out of range"), std::string::npos) << err;
  ::setenv("WEFT_PROCS", "\t2", 1);  // strtoul skips the tab
  testing::internal::CaptureStderr();
  EXPECT_EQ(weft::run([&] { ran = true; }), 2);
  err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("is not a whole number"), std::string::npos) << err;
  ::unsetenv("WEFT_PROCS");
  EXPECT_FALSE(ran);
}

TEST(Run, WeftProcsSetsTheProcessors) {
  // Two goroutines that each wait for the other to have started can only both spin at
  // once on two processors; with WEFT_PROCS=2 the run must end.
  ::setenv("WEFT_PROCS", "2", 1);
  std::atomic<int> arrived{0};
  EXPECT_EQ(weft::run([&] {
              weft::WaitGroup wg;
              wg.add(2);
              for (int i = 0; i < 2; ++i)
                weft::go([&] {
                  arrived.fetch_add(1);
                  while (arrived.load() < 2) {  // no scheduling point: needs a second processor
                  }
                  wg.done();
                });
              wg.wait();
            }),
            0);
  ::unsetenv("WEFT_PROCS");
  EXPECT_EQ(arrived.load(), 2);
}

TEST(Run, CalledFromAGoroutineThrows) {
  bool threw = false;
  ASSERT_EQ(weft::run([&] {
              try {
                (void)weft::run([] {});
              } catch (const std::logic_error&) {
                threw = true;
              }
            }, procs(2)),
            0);
  EXPECT_TRUE(threw);
}

TEST(RunDeathTest, DeadlockExitsTwoWithADump) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        (void)weft::run([] {
          auto c = weft::make_chan<int>();
          weft::go_named("stuck sender", [c] {
            auto d = weft::make_chan<int>();
            d.send(1);
          });
          c.recv();
        }, procs(2));
        std::exit(0);
      },
      ::testing::ExitedWithCode(2),
      "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 \\[chan receive, "
      "[^]]+\\]:\n(.|\n)*goroutine [0-9]+ \"stuck sender\" \\[chan send");
}

TEST(RunDeathTest, DeadlockOnMutexAndWaitGroup) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        (void)weft::run([] {
          weft::Mutex mu;
          weft::WaitGroup wg;
          wg.add(1);
          mu.lock();
          weft::go([&] { mu.lock(); });
          wg.wait();
        }, procs(1));
        std::exit(0);
      },
      ::testing::ExitedWithCode(2),
      "all goroutines are asleep - deadlock!(.|\n)*sync.WaitGroup.Wait(.|\n)*sync.Mutex.Lock");
}

TEST(RunDeathTest, UnrecoveredPanicExitsTwo) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        (void)weft::run([] {
          auto c = weft::make_chan<int>();
          weft::go([c] { c.close(); c.close(); });
          c.recv();
          weft::sleep(1h);
        }, procs(2));
        std::exit(0);
      },
      ::testing::ExitedWithCode(2), "panic: close of closed channel\n\ngoroutine [0-9]+ \\[running\\]");
}

TEST(RunDeathTest, EscapedExceptionExitsTwo) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        (void)weft::run([] { throw std::runtime_error("disk on fire"); }, procs(1));
        std::exit(0);
      },
      ::testing::ExitedWithCode(2), "panic: unhandled exception: disk on fire");
}

// The panicking goroutine heads the dump, and the list of the others leaves it out (it was
// listed twice).
TEST(RunDeathTest, APanickingGoroutineIsListedOnce) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        (void)weft::run([] {
          auto c = weft::make_chan<int>();
          weft::go_named("thrower", [] { throw std::runtime_error("boom"); });
          c.recv();
        }, procs(2));
        std::exit(0);
      },
      ::testing::ExitedWithCode(2),
      "^panic: unhandled exception: boom\n\ngoroutine [0-9]+ \"thrower\" \\[running\\]:\n"
      "    created by goroutine 1 at [^\n]*\n\n"
      "goroutine 1 \\[chan receive, [^]]*\\]:\n    blocked at [^\n]*\n\n?$");
}

TEST(RunDeathTest, SigquitDumpsEveryGoroutine) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        (void)weft::run([] {
          auto c = weft::make_chan<int>();
          weft::go_named("waiter", [c] { c.recv(); });
          weft::sleep(1ms);
          ::kill(::getpid(), SIGQUIT);
          weft::sleep(1h);
        }, procs(2));
        std::exit(0);
      },
      ::testing::ExitedWithCode(2),
      // Whether main and the waiter have reached their sleep and receive when the signal
      // lands is up to the OS: the dump lists them, whatever their state.
      "SIGQUIT: quit\n\ngoroutine 1 \\[(.|\n)*goroutine [0-9]+ \"waiter\" \\[");
}

TEST(Run, DumpGoroutinesListsStatesAndReasons) {
  std::string dump;
  ASSERT_EQ(weft::run([&] {
              auto c = weft::make_chan<int>();
              auto started = weft::make_chan<weft::Unit>();
              weft::go_named("receiver", [c, started] {
                started.close();
                c.recv();
              });
              started.recv();
              // The receiver is blocked once c has a waiter: a send then completes.
              testing::internal::CaptureStderr();
              weft::dump_goroutines();
              dump = testing::internal::GetCapturedStderr();
              c.send(1);
            }, procs(1)),
            0);
  EXPECT_NE(dump.find("goroutine 1 [running]"), std::string::npos) << dump;
  EXPECT_NE(dump.find("\"receiver\" [chan receive, "), std::string::npos) << dump;
}

// Run after run in one process, each with hundreds of goroutines alive at once, every run
// delivering everything. (Under ThreadSanitizer, where every goroutine's context is a TSan
// fiber of its own, this test peaked at 3.7 GB while the runs' fibers were never destroyed,
// 280 MB since.)
TEST(RunRepeated, ManyRunsOfManyGoroutinesEachDeliverEverything) {
  constexpr int kRuns = 30, kGoroutines = 300;
  for (int run = 0; run < kRuns; ++run) {
    long sum = -1;
    ASSERT_EQ(weft::run([&sum] {
                auto gate = weft::make_chan<weft::Unit>();
                auto out = weft::make_chan<long>(kGoroutines);
                for (long i = 0; i < kGoroutines; ++i)
                  weft::go([gate, out, i] {
                    gate.recv();  // all alive at once
                    out.send(i);
                  });
                gate.close();
                long total = 0;
                for (int i = 0; i < kGoroutines; ++i) total += out.recv();
                sum = total;
              }, procs(2)),
              0)
        << "run " << run;
    ASSERT_EQ(sum, long{kGoroutines} * (kGoroutines - 1) / 2) << "run " << run;
  }
}

}  // namespace

}  // namespace run_test
