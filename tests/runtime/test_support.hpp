// Helpers that several of the runtime's test files share, defined once here rather than
// copied into each file (where, in a unity build, the copies would also collide).
#pragma once

#include <cstdint>
#include <set>
#include <source_location>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "schedule.hpp"
#include "token.hpp"
#include "weft/gtest.hpp"
#include "weft/weft.hpp"

namespace weft_test {

// Whether `s` contains `part` (reports, dumps).
inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// A body that fails on every schedule after a few choices (a token's tests).
inline void fails_after_a_handoff() {
  auto c = weft::make_chan<int>();
  weft::go([c] { c.send(1); });
  weft::go([c] { c.send(2); });
  const int first = c.recv();
  (void)c.recv();
  weft::check(first == 0, "no goroutine sends 0");
}

// Options for an exploration of `iterations` schedules that no WEFT_* variable steers.
inline weft::ExploreOptions opts(std::uint64_t iterations = 200) {
  return weft::gtest::isolated(iterations);
}

// Options for `iterations` schedules of strategy `k` from `seed`, no WEFT_* variable steering.
inline weft::ExploreOptions opts(weft::StrategyKind k, std::uint64_t iterations,
                                 std::uint64_t seed = 1) {
  weft::ExploreOptions o;
  o.strategy = k;
  o.iterations = iterations;
  o.seed = seed;
  o.use_environment = false;
  return o;
}

// A replay token of this weft (naming no test) whose schedule is exactly `choices`.
inline std::string literal_token(const std::vector<std::uint32_t>& choices) {
  weft::detail::ScheduleLog log;
  for (std::uint32_t c : choices) log.push(c);
  return log.token();
}

// Options for a weft::run on `n` processors that no WEFT_* variable steers.
inline weft::RunOptions procs(unsigned n) {
  weft::RunOptions o;
  o.procs = n;
  o.use_environment = false;
  return o;
}

// Options for a weft::run with race detection on `n` processors, no WEFT_* variable steering.
inline weft::RunOptions racy_procs(unsigned n) {
  weft::RunOptions o = procs(n);
  o.detect_races = true;
  return o;
}

// What a weft::run returned and wrote on stderr.
struct RunOutcome {
  int status = -1;
  std::string err;
};
template <class F>
RunOutcome run_capturing(F body, weft::RunOptions o) {
  testing::internal::CaptureStderr();
  RunOutcome out;
  out.status = weft::run(std::move(body), std::move(o));
  out.err = testing::internal::GetCapturedStderr();
  return out;
}

// Explores `body` with opts(iterations) and expects every schedule to pass; a failure names
// the caller's line.
template <class F>
void expect_ok(F body, std::uint64_t iterations = 200,
               std::source_location where = std::source_location::current()) {
  weft::gtest::expect_every_schedule_passes(body, opts(iterations), where);
}

// The lines of the section of a race or lock-order report that says where goroutine `g` was
// created ("Goroutine G ... created by goroutine P at:" or "... is a root goroutine.", then
// its frames); empty when the report has none.
inline std::vector<std::string> creation_lines(const std::string& report, weft::GoId g) {
  std::vector<std::string> lines;
  const std::string head = "\nGoroutine " + std::to_string(g) + " ";
  std::size_t at = report.find(head);
  if (at == std::string::npos) return lines;
  for (std::size_t b = at + 1, e; (e = report.find('\n', b)) != std::string::npos; b = e + 1) {
    std::string line = report.substr(b, e - b);
    if (line.empty() || line.starts_with("=====")) break;
    lines.push_back(std::move(line));
  }
  return lines;
}

// Read-write locks (weft::RWMutex, std::shared_mutex and std::shared_timed_mutex, which
// have the same members) under weft::explore.

// Takes rw and releases it at once, exclusively or shared.
template <class RW>
void take_and_release(RW& rw, bool exclusive) {
  if (exclusive) {
    rw.lock();
    rw.unlock();
  } else {
    rw.lock_shared();
    rw.unlock_shared();
  }
}

// The scheduling steps of one goroutine that takes `RW` `sections` times, exclusively or
// shared, with nothing else in each section (one goroutine: one step per visible operation).
template <class RW>
std::uint64_t steps_of_sections(int sections, bool exclusive) {
  auto r = weft::explore(
      [&] {
        RW rw;
        for (int i = 0; i < sections; ++i) take_and_release(rw, exclusive);
      },
      opts(1));
  EXPECT_TRUE(r.ok()) << r;
  return r.steps;
}

// What a try-lock (try_lock or try_lock_shared) by one goroutine returns, over every schedule
// (dfs), while another holds the lock, exclusively or shared, for a section with nothing
// else in it.
template <class RW>
std::set<bool> try_answers(bool hold_exclusive, bool try_exclusive) {
  std::set<bool> answers;
  weft::ExploreResult r = weft::explore(
      [&] {
        RW rw;
        weft::WaitGroup wg;
        bool got = false;
        wg.add(2);
        weft::go([&] {
          take_and_release(rw, hold_exclusive);
          wg.done();
        });
        weft::go([&] {
          got = try_exclusive ? rw.try_lock() : rw.try_lock_shared();
          if (got && try_exclusive) rw.unlock();
          if (got && !try_exclusive) rw.unlock_shared();
          wg.done();
        });
        wg.wait();
        answers.insert(got);
      },
      opts(weft::StrategyKind::dfs, 10'000));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_TRUE(r.exhausted);
  return answers;
}

// A try-lock that could have come inside another goroutine's section with nothing else in
// it still fails in some schedule (as a point at the release would let it), except a
// try_lock_shared against a reader: that fails only while a writer holds the lock (or, for
// weft::RWMutex, waits), so never here.
template <class RW>
void expect_try_locks_fail_inside_a_short_section_where_they_can() {
  using Answers = std::set<bool>;
  EXPECT_EQ(try_answers<RW>(true, true), (Answers{false, true})) << "try_lock, writer";
  EXPECT_EQ(try_answers<RW>(true, false), (Answers{false, true})) << "try_lock_shared, writer";
  EXPECT_EQ(try_answers<RW>(false, true), (Answers{false, true})) << "try_lock, reader";
  EXPECT_EQ(try_answers<RW>(false, false), (Answers{true})) << "try_lock_shared, reader";
}

// No try-lock failure is invented: in every schedule (dfs) a goroutine that reached its
// scheduling point after the lock's last release (here: created after it) takes the free
// lock with try_lock, then with try_lock_shared.
template <class RW>
void expect_try_locks_take_a_lock_released_before_they_came() {
  auto r = weft::explore(
      [] {
        RW rw;
        weft::WaitGroup wg;
        wg.add(1);
        weft::go([&] {
          take_and_release(rw, false);
          take_and_release(rw, true);
          wg.done();
        });
        wg.wait();
        bool exclusive = false, shared = false;
        wg.add(1);
        weft::go([&] {
          exclusive = rw.try_lock();
          if (exclusive) rw.unlock();
          shared = rw.try_lock_shared();
          if (shared) rw.unlock_shared();
          wg.done();
        });
        wg.wait();
        weft::check(exclusive, "a free lock refused a try_lock");
        weft::check(shared, "a free lock refused a try_lock_shared");
      },
      opts(weft::StrategyKind::dfs, 10'000));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_TRUE(r.exhausted);
}

// ---------------------------------------------------------------------------------------
// A w3 token's bytes (schedule.hpp): its parts, and the same schedule as an older w3 token.

inline std::vector<std::uint8_t> token_bytes(const std::string& token) {
  std::vector<std::uint8_t> out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 3; i < token.size(); ++i) {
    acc = (acc << 6) | static_cast<std::uint32_t>(weft::detail::base64url_value(token[i]));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  return out;
}

inline std::string w3_token(const std::vector<std::uint8_t>& bytes) {
  std::string out = "w3-";
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::uint8_t b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(weft::detail::kBase64Url[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(weft::detail::kBase64Url[(acc << (6 - bits)) & 63]);
  return out;
}

// A token's fingerprint bytes and its schedule (the operations after them).
struct TokenParts {
  std::uint32_t semantics = 0, space = 0;
  std::vector<std::uint8_t> test, site, schedule;
};

inline TokenParts parts_of(const std::string& token) {
  const std::vector<std::uint8_t> b = token_bytes(token);
  std::size_t at = 0;
  auto varint = [&] {
    std::uint32_t v = 0;
    for (int shift = 0;; shift += 7) {
      const std::uint8_t byte = b.at(at++);
      v |= std::uint32_t{byte & 0x7fu} << shift;
      if (!(byte & 0x80)) return v;
    }
  };
  TokenParts p;
  p.semantics = varint();
  p.space = varint();
  p.test.assign(b.begin() + at, b.begin() + at + 4);
  at += 4;
  if (p.space & weft::detail::kSpaceSite) {
    p.site.assign(b.begin() + at, b.begin() + at + 4);
    at += 4;
  }
  p.schedule.assign(b.begin() + at, b.end());
  return p;
}

// The token as a w3 token written before the detector settings and the call site were kept:
// the same choices, its fingerprint's space cut to bits 0 to 2 and no call site.
inline std::string as_older_w3(const std::string& token) {
  const TokenParts p = parts_of(token);
  std::vector<std::uint8_t> b{static_cast<std::uint8_t>(p.semantics),
                              static_cast<std::uint8_t>(p.space & 7u)};
  b.insert(b.end(), p.test.begin(), p.test.end());
  b.insert(b.end(), p.schedule.begin(), p.schedule.end());
  return w3_token(b);
}

}  // namespace weft_test
