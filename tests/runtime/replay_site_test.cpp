// replay_site_test.cpp — the weft::explore() call in a replay token's fingerprint
// (runtime/src/schedule.hpp): an exploration with no name keeps a hash of its call's file
// name and function, and its token replayed at another call (another test's explore(), say)
// is a configuration failure naming both calls and what to do; at its own call, or through a
// wrapper that passes that call on, it replays; named tokens and w3 tokens written before
// call sites were kept are not checked by call.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <source_location>
#include <string>
#include <vector>

#include "schedule.hpp"
#include "test_support.hpp"
#include "weft/weft.hpp"

namespace replay_site_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using weft::FailureKind;
using weft::StrategyKind;
using weft::detail::decode_schedule;
using weft::detail::TokenFingerprint;
using weft_test::as_older_w3;
using weft_test::opts;
using weft_test::parts_of;

using weft_test::contains;

// ---------------------------------------------------------------------------------------
// Bodies.

using weft_test::fails_after_a_handoff;

weft::ExploreOptions replay_options(const std::string& token, const std::string& name = "") {
  weft::ExploreOptions o = opts(1);
  o.strategy = StrategyKind::replay;
  o.replay = token;
  o.name = name;
  return o;
}

// ---------------------------------------------------------------------------------------
// The explore() call of an exploration with no name.

// Explores `body` with `o` at the explore() call in this function, and says where that is.
weft::ExploreResult explore_here(void (*body)(), const weft::ExploreOptions& o,
                                 std::source_location& at) {
  at = std::source_location::current();  // this function, as explore()'s default is
  return weft::explore(body, o);
}

// Replays `token` at the explore() call in this function, passed explicitly as `at`.
weft::ExploreResult replay_elsewhere(void (*body)(), const std::string& token,
                                     const std::string& name, std::source_location& at) {
  at = std::source_location::current();
  return weft::explore(body, replay_options(token, name), at);
}

TEST(ReplaySite, ATokenOfAnUnnamedExplorationReplaysOnlyAtItsCall) {
  std::source_location recorded, elsewhere;
  const weft::ExploreResult found =
      explore_here(fails_after_a_handoff, opts(StrategyKind::random, 5), recorded);
  ASSERT_FALSE(found.ok());
  ASSERT_EQ(found.failure->kind, FailureKind::assertion) << found;
  const TokenFingerprint f = decode_schedule(found.token).fingerprint();
  EXPECT_EQ(f.test, 0u);
  ASSERT_NE(f.space & weft::detail::kSpaceSite, 0u) << found.token;
  EXPECT_EQ(f.site, weft::detail::call_site_fingerprint(recorded));

  // At another call (another test's explore(), say): refused, naming both calls and the fix,
  // where it used to run some other program's schedule.
  for (const char* name : {"", "Suite.B"}) {
    const weft::ExploreResult other =
        replay_elsewhere(fails_after_a_handoff, found.token, name, elsewhere);
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.failure->kind, FailureKind::configuration) << other;
    EXPECT_TRUE(contains(
        other.failure->report,
        fmt::format("ExploreOptions::replay: replay token was recorded by another "
                    "weft::explore() call (call site fingerprint {:08x}), not by this one in "
                    "'{}' (replay_site_test.cpp:{}, call site fingerprint {:08x}): its "
                    "choices belong to another exploration's schedules; replay it at the "
                    "explore() call that reported it, or give the explorations names "
                    "(ExploreOptions::name, or WEFT_EXPLORATION) so that their tokens say "
                    "which one they belong to",
                    f.site, elsewhere.function_name(), elsewhere.line(),
                    weft::detail::call_site_fingerprint(elsewhere))))
        << other.failure->report;
  }

  // At its own call: the failure again, and the replay records the same token.
  const weft::ExploreResult again =
      explore_here(fails_after_a_handoff, replay_options(found.token), recorded);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure->kind, FailureKind::assertion) << again;
  EXPECT_EQ(again.failure->report, found.failure->report);
  EXPECT_EQ(again.token, found.token);
  // A wrapper that passes on the call it replays for (`where`): the same.
  const weft::ExploreResult forwarded =
      weft::explore(fails_after_a_handoff, replay_options(found.token), recorded);
  ASSERT_FALSE(forwarded.ok());
  EXPECT_EQ(forwarded.failure->kind, FailureKind::assertion) << forwarded;
}

TEST(ReplaySite, NamedAndOlderTokensAreNotCheckedByCall) {
  std::source_location recorded, elsewhere;
  weft::ExploreOptions o = opts(StrategyKind::random, 5);
  o.name = "ReplaySite.Named";
  const weft::ExploreResult named = explore_here(fails_after_a_handoff, o, recorded);
  ASSERT_FALSE(named.ok());
  // A named exploration's token keeps its name, not its call (4 bytes shorter).
  EXPECT_EQ(decode_schedule(named.token).fingerprint().space & weft::detail::kSpaceSite, 0u);
  EXPECT_TRUE(parts_of(named.token).site.empty());
  for (const char* name : {"ReplaySite.Named", ""}) {
    const weft::ExploreResult r =
        replay_elsewhere(fails_after_a_handoff, named.token, name, elsewhere);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.failure->kind, FailureKind::assertion) << name << "\n" << r;
  }
  // An unnamed exploration's token from before call sites were kept replays anywhere.
  const weft::ExploreResult unnamed =
      explore_here(fails_after_a_handoff, opts(StrategyKind::random, 5), recorded);
  ASSERT_FALSE(unnamed.ok());
  const std::string older = as_older_w3(unnamed.token);
  ASSERT_EQ(decode_schedule(older).fingerprint().space & weft::detail::kSpaceSite, 0u);
  const weft::ExploreResult r = replay_elsewhere(fails_after_a_handoff, older, "", elsewhere);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, FailureKind::assertion) << r;
  EXPECT_EQ(r.failure->report, unnamed.failure->report);
}

TEST(ReplaySite, TheCallIsItsFileNameAndFunctionNotItsLineOrDirectory) {
  using weft::detail::call_site_fingerprint;
  const std::source_location a = std::source_location::current();
  const std::source_location b = std::source_location::current();
  ASSERT_NE(a.line(), b.line());
  EXPECT_EQ(call_site_fingerprint(a), call_site_fingerprint(b));  // an edit above keeps it
  EXPECT_EQ(call_site_fingerprint("/ci/src/tests/x_test.cpp", "void f()"),
            call_site_fingerprint("../../tests/x_test.cpp", "void f()"));
  EXPECT_NE(call_site_fingerprint("x_test.cpp", "void f()"),
            call_site_fingerprint("x_test.cpp", "void g()"));
  EXPECT_NE(call_site_fingerprint("x_test.cpp", "void f()"),
            call_site_fingerprint("y_test.cpp", "void f()"));
  EXPECT_NE(call_site_fingerprint("x_test.cpp", ""), 0u);

  // Round trip, and a token cut inside the call site is truncated, said so.
  weft::detail::TokenSettings s;
  s.where = &a;
  const TokenFingerprint f = weft::detail::make_fingerprint(s);
  std::string token;
  {
    weft::detail::FingerprintScope scope(f);
    weft::detail::ScheduleLog log;
    for (std::uint32_t c : {1u, 0u, 2u}) log.push(c);
    token = log.token();
  }
  EXPECT_TRUE(decode_schedule(token).fingerprint() == f);
  EXPECT_EQ(decode_schedule(token).size(), 3u);
  try {
    // 9 bytes (12 digits): semantics, space, the test and 3 of the call site's 4.
    (void)decode_schedule(token.substr(0, 15));
    ADD_FAILURE() << "a token cut inside its call site decoded";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(contains(e.what(), "truncated (it ends inside its fingerprint)")) << e.what();
  }
}

}  // namespace

}  // namespace replay_site_test
