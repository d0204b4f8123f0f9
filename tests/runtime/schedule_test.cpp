// The compact schedule and version 3 replay tokens (runtime/src/schedule.hpp): what is
// recorded decodes to the same choices, repeats and random draws stay small however long
// the run, version 1 and 2 tokens still replay, a long livelock's token replays its failure,
// and a token replayed against another test, schedule space or weft is refused clearly.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "schedule.hpp"
#include "rng.hpp"
#include "test_support.hpp"
#include "strategy.hpp"
#include "token.hpp"
#include "weft/weft.hpp"

namespace schedule_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using weft::detail::decode_schedule;
using weft::detail::Rng;
using weft::detail::ScheduleLog;
using weft::detail::ScheduleTape;

// One recorded choice: a literal value, or draw `index` of Rng(seed) among `n` options.
struct Choice {
  bool drawn;
  std::uint32_t value;  // literal: the choice; drawn: what the draw gives among n
  std::uint64_t seed, index;
  std::size_t n;
};

// A mixed schedule: literal noise, long and short runs, and two streams of draws.
std::vector<Choice> mixed_schedule(std::uint64_t seed) {
  Rng pick(seed);
  std::vector<Choice> out;
  std::uint64_t stream = 0, next_draw = 0;
  Rng draws(0);
  for (int block = 0; block < 60; ++block) {
    std::size_t kind = pick.below(4);
    std::size_t len = 1 + pick.below(block % 7 == 0 ? 400 : 40);
    if (kind == 3) {  // a stream of draws, sometimes continuing the previous one
      if (pick.below(2) == 0 || stream == 0) {
        stream = pick.next() | 1;
        next_draw = 0;
        draws = Rng(stream);
      }
      for (std::size_t i = 0; i < len; ++i) {
        std::size_t n = 2 + pick.below(5);
        out.push_back({true, static_cast<std::uint32_t>(draws.below(n)), stream, next_draw++, n});
      }
      continue;
    }
    stream = 0;  // a literal in between ends a stream (the log starts a new operation)
    for (std::size_t i = 0; i < len; ++i) {
      std::uint32_t v = kind == 0   ? static_cast<std::uint32_t>(pick.below(3))
                        : kind == 1 ? 7u
                                    : static_cast<std::uint32_t>(pick.next() >> 34);
      out.push_back({false, v, 0, 0, 0});
    }
  }
  return out;
}

TEST(Schedule, MixedScheduleRoundTrips) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::vector<Choice> choices = mixed_schedule(seed);
    ScheduleLog log;
    for (const Choice& c : choices) {
      if (c.drawn)
        log.push_drawn(c.seed, c.index);
      else
        log.push(c.value);
    }
    ASSERT_EQ(log.size(), choices.size());
    const std::string token = log.token();
    ASSERT_EQ(token.rfind("w3-", 0), 0u);
    ScheduleTape tape = decode_schedule(token);
    ASSERT_EQ(tape.size(), choices.size()) << "seed " << seed;
    for (std::size_t i = 0; i < choices.size(); ++i) {
      const Choice& c = choices[i];
      ASSERT_FALSE(tape.at_end());
      // A literal is read whatever the options; a draw is reduced to the options given.
      std::uint64_t got = tape.take(c.drawn ? c.n : 1u << 31);
      ASSERT_EQ(got, c.value) << "seed " << seed << " choice " << i;
      std::uint64_t s = 0, k = 0;
      ASSERT_EQ(tape.last_drawn(s, k), c.drawn);
      if (c.drawn) {
        EXPECT_EQ(s, c.seed);
        EXPECT_EQ(k, c.index);
      }
    }
    EXPECT_TRUE(tape.at_end());
  }
}

TEST(Schedule, StreamedTokenEqualsTheToken) {
  std::vector<Choice> choices = mixed_schedule(3);
  ScheduleLog log;
  for (const Choice& c : choices) c.drawn ? log.push_drawn(c.seed, c.index) : log.push(c.value);
  std::string streamed;
  std::size_t pieces = 0;
  std::pair<std::string*, std::size_t*> sink{&streamed, &pieces};
  log.stream_token([](void* ctx, const char* p, std::size_t n) {
    auto* s = static_cast<std::pair<std::string*, std::size_t*>*>(ctx);
    s->first->append(p, n);
    ++*s->second;
  }, &sink);
  EXPECT_EQ(streamed, log.token());
  EXPECT_GT(pieces, 1u) << "a long token is written in pieces from a fixed buffer";
}

TEST(Schedule, DrawsAndRepeatsStayBounded) {
  ScheduleLog drawn;
  for (std::uint64_t i = 0; i < 2'000'000; ++i) drawn.push_drawn(42, i);
  EXPECT_EQ(drawn.size(), 2'000'000u);
  EXPECT_EQ(drawn.encoded_bytes(), 0u) << "one open operation, nothing stored per choice";
  EXPECT_LT(drawn.token().size(), 40u) << drawn.token();

  ScheduleLog repeated;
  for (int round = 0; round < 1000; ++round)
    for (int i = 0; i < 1000; ++i) repeated.push(round % 2);
  EXPECT_LT(repeated.encoded_bytes(), 4000u);
  EXPECT_LT(repeated.token().size(), 6000u);
  ScheduleTape tape = decode_schedule(repeated.token());
  ASSERT_EQ(tape.size(), 1'000'000u);
  for (int round = 0; round < 1000; ++round)
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(tape.take(2), static_cast<std::uint64_t>(round % 2));
}

TEST(Schedule, VersionOneTokensStillDecode) {
  std::vector<std::uint32_t> choices = {0, 1, 1, 5, 200, 70000, 0, 0, 0, 3};
  ScheduleTape tape = decode_schedule(weft::detail::encode_token(choices));
  ASSERT_EQ(tape.size(), choices.size());
  for (std::uint32_t c : choices) EXPECT_EQ(tape.take(1u << 20), c);
  EXPECT_TRUE(tape.at_end());
  EXPECT_EQ(decode_schedule("w1-").size(), 0u);
}

std::string decode_error(const std::string& token) {
  try {
    decode_schedule(token);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<accepted>";
}

TEST(Schedule, MalformedVersionTwoTokens) {
  // 0x00: an operation of no choices.
  EXPECT_NE(decode_error("w2-AA").find("corrupt (an empty operation)"), std::string::npos);
  // 0x05: a run of one choice whose value is missing.
  EXPECT_NE(decode_error("w2-BQ").find("truncated"), std::string::npos) << decode_error("w2-BQ");
  // 0x07: operation kind 3 does not exist.
  EXPECT_NE(decode_error("w2-Bw").find("unknown operation"), std::string::npos);
  EXPECT_NE(decode_error("w2-B*").find("invalid character '*' at position 4"), std::string::npos);
  EXPECT_NE(decode_error("w2-A").find("truncated or corrupt"), std::string::npos);
  EXPECT_NE(decode_error("w7-AA").find("unknown version"), std::string::npos);
  EXPECT_EQ(decode_schedule("w2-").size(), 0u);
}

TEST(Schedule, TokensCarryTheirFingerprintAndOlderTokensStillRead) {
  using weft::detail::kScheduleSemantics;
  using weft::detail::TokenFingerprint;
  const TokenFingerprint a = weft::detail::make_fingerprint("Suite.A", true, true);
  EXPECT_EQ(a.semantics, kScheduleSemantics);
  EXPECT_EQ(a.test, weft::detail::test_fingerprint("Suite.A"));
  EXPECT_NE(a.test, weft::detail::test_fingerprint("Suite.B"));
  EXPECT_EQ(weft::detail::test_fingerprint(""), 0u);  // no name: not checked
  std::string token;
  {
    weft::detail::FingerprintScope scope(a);
    ScheduleLog log;
    for (std::uint32_t c : {0u, 1u, 1u, 1u, 1u, 0u, 2u}) log.push(c);
    token = log.token();
  }
  ASSERT_EQ(token.rfind("w3-", 0), 0u) << token;
  ScheduleTape tape = decode_schedule(token);
  EXPECT_TRUE(tape.fingerprint() == a);
  std::vector<std::uint64_t> back;
  while (!tape.at_end()) back.push_back(tape.take(3));
  EXPECT_EQ(back, (std::vector<std::uint64_t>{0, 1, 1, 1, 1, 0, 2}));
  // Outside the scope, a log records the default fingerprint again: no test, no space.
  EXPECT_TRUE(decode_schedule(ScheduleLog().token()).fingerprint() == TokenFingerprint{});
  // Version 2 and 1 tokens: schedule semantics 1, test and space unknown (not checked).
  for (const char* old : {"w2-BAA", "w1-AA"}) {
    const TokenFingerprint f = decode_schedule(old).fingerprint();
    EXPECT_EQ(f.semantics, 1u) << old;
    EXPECT_EQ(f.test, 0u) << old;
    EXPECT_EQ(f.space, 0u) << old;
    const std::string why = weft::detail::fingerprint_mismatch(f, a, "Suite.A");
    if (kScheduleSemantics == 1)
      EXPECT_EQ(why, "") << old;
    else  // once the scheduling points changed, they are refused as an older weft's
      EXPECT_NE(why.find("recorded by an older weft"), std::string::npos) << why;
  }
  // Cut inside its fingerprint: truncated, said so.
  EXPECT_NE(decode_error(token.substr(0, 7)).find("truncated"), std::string::npos)
      << decode_error(token.substr(0, 7));
}

// ---------------------------------------------------------------------------------------
// Through explore.

// Replays `found`'s token (found by exploring `body` with `o`, which names the exploration:
// a token with no name is replayed only at the explore() call that recorded it): the same
// failure, report and token again.
void expect_replays_whole(void (*body)(), weft::ExploreOptions o, const weft::ExploreResult& found) {
  o.strategy = weft::StrategyKind::replay;
  o.replay = found.token;
  const weft::ExploreResult again = weft::explore(body, o);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure->kind, found.failure->kind);
  EXPECT_EQ(again.failure->report, found.failure->report);
  EXPECT_EQ(again.token, found.token);
}

void livelock() {
  auto a = weft::make_chan<int>();
  auto b = weft::make_chan<int>();
  auto done = weft::make_chan<int>();
  weft::go([a] {
    for (;;) {
      if (a.try_recv()) return;
      weft::yield();
    }
  });
  weft::go([b] {
    for (;;) {
      if (b.try_recv()) return;
      weft::yield();
    }
  });
  done.recv();
}

TEST(Schedule, LongLivelockTokenIsSmallAndReplays) {
  weft::ExploreOptions o;
  o.iterations = 3;
  o.use_environment = false;
  o.detect_races = false;
  o.max_steps = 200'000;
  o.name = "Schedule.LongLivelockTokenIsSmallAndReplays";
  auto found = weft::explore(livelock, o);
  ASSERT_FALSE(found.ok());
  ASSERT_EQ(found.failure->kind, weft::FailureKind::step_limit);
  ASSERT_GT(found.decisions, 100'000u) << "every step of the livelock is a decision";
  EXPECT_LT(found.token.size(), 2048u) << found.token.size() << " characters";

  expect_replays_whole(livelock, o, found);
}

// Eight goroutines taking one mutex in turn forever: under urw's first iteration every
// goroutine weighs the same, so each decision is one uniform draw, and the schedule keeps a
// run of draws as (stream, first, count) instead of a literal per choice.
void lock_forever() {
  weft::Mutex mu;
  long counter = 0;
  for (int w = 0; w < 8; ++w)
    weft::go([&] {
      for (;;) {
        mu.lock();
        ++counter;
        mu.unlock();
      }
    });
  auto never = weft::make_chan<int>();
  never.recv();
}

TEST(Schedule, UniformUrwDecisionsRecordAsDrawsAndReplay) {
  weft::ExploreOptions o;
  o.iterations = 1;
  o.use_environment = false;
  o.detect_races = false;
  o.strategy = weft::StrategyKind::urw;
  o.max_steps = 100'000;
  o.name = "Schedule.UniformUrwDecisionsRecordAsDrawsAndReplay";
  auto found = weft::explore(lock_forever, o);
  ASSERT_FALSE(found.ok());
  ASSERT_EQ(found.failure->kind, weft::FailureKind::step_limit);
  ASSERT_GT(found.decisions, 90'000u) << "every lock is a decision among eight";
  EXPECT_LT(found.token.size(), 512u) << found.token.size() << " characters";

  expect_replays_whole(lock_forever, o, found);
}

TEST(Schedule, ALiteralTokenReplaysAndItsScheduleIsRecordedTheSame) {
  // A token of literal choices found by trying short ones; its replay records the same
  // choices, and that token replays to the same report again.
  auto body = [] {
    int x = 1;
    auto done = weft::make_chan<int>(2);
    weft::go([&x, done] { weft::yield(); x += 3; done.send(0); });
    weft::go([&x, done] { weft::yield(); x *= 2; done.send(0); });
    done.recv();
    done.recv();
    weft::check(x == 8, "add before double");
  };
  weft::ExploreOptions r;
  r.use_environment = false;
  r.strategy = weft::StrategyKind::replay;
  std::string literal;
  weft::ExploreResult failed;
  for (std::size_t len = 1; len <= 6 && literal.empty(); ++len) {
    std::vector<std::uint32_t> choices(len, 0);
    for (;;) {
      r.replay = weft_test::literal_token(choices);
      auto res = weft::explore(body, r);
      // (a token that ends early replays on default choices: take only exact ones)
      if (!res.ok() && res.failure->kind == weft::FailureKind::assertion &&
          decode_schedule(res.token).size() == len) {
        literal = r.replay;
        failed = res;
        break;
      }
      std::size_t i = 0;  // next sequence over {0, 1, 2}
      while (i < len && ++choices[i] == 3) choices[i++] = 0;
      if (i == len) break;
    }
  }
  ASSERT_FALSE(literal.empty()) << "some short schedule makes the double run before the add";
  ASSERT_EQ(failed.token.rfind("w3-", 0), 0u);
  EXPECT_EQ(decode_schedule(failed.token).size(), decode_schedule(literal).size());
  r.replay = failed.token;
  auto again = weft::explore(body, r);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure->report, failed.failure->report);
  EXPECT_EQ(again.token, failed.token);
}

using weft_test::fails_after_a_handoff;

// The failure replaying `token` under `name` (and schedule_accesses) gives.
weft::ExploreResult replay_as(const std::string& token, const std::string& name,
                              bool schedule_accesses = true) {
  weft::ExploreOptions o = weft_test::opts();
  o.strategy = weft::StrategyKind::replay;
  o.replay = token;
  o.name = name;
  o.schedule_accesses = schedule_accesses;
  return weft::explore(fails_after_a_handoff, o);
}

TEST(Schedule, AReplayOfAnotherTestsSpacesOrWeftsTokenIsRefusedClearly) {
  weft::ExploreOptions o = weft_test::opts(5);
  o.name = "Suite.A";
  const weft::ExploreResult found = weft::explore(fails_after_a_handoff, o);
  ASSERT_FALSE(found.ok());
  ASSERT_EQ(found.failure->kind, weft::FailureKind::assertion) << found;
  const std::string& token = found.token;
  // The same test, or one that names none: the failure again.
  EXPECT_EQ(replay_as(token, "Suite.A").failure->kind, weft::FailureKind::assertion);
  EXPECT_EQ(replay_as(token, "").failure->kind, weft::FailureKind::assertion);
  // Another test: refused, naming it, where it used to replay some other schedule.
  weft::ExploreResult other = replay_as(token, "Suite.B");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.failure->kind, weft::FailureKind::configuration);
  EXPECT_NE(other.failure->report.find(fmt::format(
                "ExploreOptions::replay: replay token was recorded for another test (test "
                "fingerprint {:08x}), not for 'Suite.B' ({:08x})",
                weft::detail::test_fingerprint("Suite.A"), weft::detail::test_fingerprint("Suite.B"))),
            std::string::npos)
      << other.failure->report;
  // Another schedule space: memory accesses were scheduling points when it was recorded.
  weft::ExploreResult space = replay_as(token, "Suite.A", false);
  EXPECT_EQ(space.failure->kind, weft::FailureKind::configuration);
  EXPECT_NE(space.failure->report.find("recorded with memory accesses as scheduling points "
                                       "(ExploreOptions::schedule_accesses) on, and this "
                                       "exploration has them off"),
            std::string::npos)
      << space.failure->report;
  // Condition variables without spurious wake-ups (a choice fewer at each wait).
  ::setenv("WEFT_SPURIOUS_WAKEUPS", "0", 1);
  weft::ExploreResult no_spurious = replay_as(token, "Suite.A");
  ::unsetenv("WEFT_SPURIOUS_WAKEUPS");
  EXPECT_EQ(no_spurious.failure->kind, weft::FailureKind::configuration);
  EXPECT_NE(no_spurious.failure->report.find(
                "recorded with spurious wake-ups of condition variables (WEFT_SPURIOUS_WAKEUPS) "
                "on, and this exploration has them off"),
            std::string::npos)
      << no_spurious.failure->report;
  // Another weft, whose scheduling points differ: older, or newer.
  for (std::uint32_t semantics : {weft::detail::kScheduleSemantics - 1, weft::detail::kScheduleSemantics + 1}) {
    weft::detail::TokenFingerprint f = weft::detail::make_fingerprint("Suite.A", true, true);
    f.semantics = semantics;
    std::string foreign;
    {
      weft::detail::FingerprintScope scope(f);
      ScheduleLog log;
      for (std::uint64_t k = 0; k < decode_schedule(token).size(); ++k) log.push(0);
      foreign = log.token();
    }
    weft::ExploreResult r = replay_as(foreign, "Suite.A");
    EXPECT_EQ(r.failure->kind, weft::FailureKind::configuration) << semantics;
    const bool older = semantics < weft::detail::kScheduleSemantics;
    EXPECT_NE(r.failure->report.find(fmt::format(
                  "replay token was recorded by {} weft (schedule semantics {}; this weft's is {})",
                  older ? "an older" : "a newer", semantics, weft::detail::kScheduleSemantics)),
              std::string::npos)
        << r.failure->report;
    EXPECT_NE(r.failure->report.find("re-run the exploration to get a new token"), std::string::npos)
        << r.failure->report;
  }
}

}  // namespace

}  // namespace schedule_test
