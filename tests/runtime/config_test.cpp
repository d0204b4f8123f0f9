// Configuration: malformed options and WEFT_* variables are `configuration` failures that
// name the problem (never an uncaught exception); suppressions match by function, path
// suffix or file:line, never by substring; WEFT_REPORT writes only regular files, whole or
// not at all; replay tokens that do not fit the program diverge; reports stay bounded.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "strategy.hpp"
#include "test_support.hpp"
#include "suppress.hpp"
#include "weft/weft.hpp"

namespace config_test {  // this file's names, apart from the other tests' in a unity build

namespace {

namespace fs = std::filesystem;

// Sets an environment variable for the scope, restoring the old value after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

weft::ExploreOptions env_opts(std::uint64_t iterations = 20) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.use_environment = true;
  return o;
}

weft::ExploreOptions plain_opts(std::uint64_t iterations = 20) {
  weft::ExploreOptions o = env_opts(iterations);
  o.use_environment = false;
  return o;
}

// The configuration failure's report, or a note that there was none.
std::string config_error(const weft::ExploreResult& r) {
  if (!r.failure) return "<ok>";
  if (r.failure->kind != weft::FailureKind::configuration)
    return "<" + std::string(weft::failure_kind_name(r.failure->kind)) + ">";
  return r.failure->report;
}

void racy_body() {
  weft::Shared<int> x;
  auto done = weft::make_chan<weft::Unit>();
  weft::go([&] {
    x.write(1);
    done.send({});
  });
  (void)x.read();
  done.recv();
}

// ---------------------------------------------------------------------------------------
// Malformed variables and options.

struct BadVariable {
  const char* name;
  const char* value;
  const char* expect;  // a piece of the message
};

// GoogleTest names the parameter in a failure as "WEFT_SEED=abc", not as raw bytes.
void PrintTo(const BadVariable& v, std::ostream* os) { *os << v.name << "=" << v.value; }

class ConfigBadVariable : public ::testing::TestWithParam<BadVariable> {};

TEST_P(ConfigBadVariable, IsAConfigurationFailureNamingIt) {
  const BadVariable& p = GetParam();
  ScopedEnv env(p.name, p.value);
  int ran = 0;
  auto r = weft::explore([&] { ++ran; }, env_opts());
  std::string msg = config_error(r);
  EXPECT_NE(msg.find(p.name), std::string::npos) << msg;
  EXPECT_NE(msg.find(p.expect), std::string::npos) << msg;
  EXPECT_EQ(ran, 0) << "nothing may run under a bad configuration";
  EXPECT_EQ(r.iterations, 0u);
  EXPECT_TRUE(r.token.empty());
  EXPECT_EQ(r.to_string().rfind("weft: configuration error\n\n", 0), 0u) << r.to_string();
}

INSTANTIATE_TEST_SUITE_P(
    Variables, ConfigBadVariable,
    ::testing::Values(BadVariable{"WEFT_SEED", "abc", "not a whole number"},
                      BadVariable{"WEFT_SEED", "-3", "not a whole number"},
                      BadVariable{"WEFT_SEED", "99999999999999999999999", "too large"},
                      BadVariable{"WEFT_SEED", "18446744073709551616", "at most 18446744073709551615"},
                      BadVariable{"WEFT_SEED", "\t5", "not a whole number"},
                      BadVariable{"WEFT_ITERATIONS", "\n7", "not a whole number"},
                      BadVariable{"WEFT_SPURIOUS_WAKEUPS", "off", "must be 0 (off) or 1 (on)"},
                      BadVariable{"WEFT_HANG_TIMEOUT", "2000000000s", "too long"},
                      BadVariable{"WEFT_TIME_BUDGET", "99999999999999999999999ms", "too long"},
                      BadVariable{"WEFT_ITERATIONS", "0", "explore nothing"},
                      BadVariable{"WEFT_ITERATIONS", "12x", "not a whole number"},
                      BadVariable{"WEFT_MAX_STEPS", "0", "first step"},
                      BadVariable{"WEFT_STRATEGY", "fastest", "unknown strategy 'fastest'"},
                      BadVariable{"WEFT_STRATEGY", "pct:0", "depth of pct"},
                      BadVariable{"WEFT_STRATEGY", "pct:x", "whole number"},
                      BadVariable{"WEFT_STRATEGY", "dfs:-1", "preemption bound of dfs"},
                      BadVariable{"WEFT_STRATEGY", "pos:2", "takes no parameter"},
                      BadVariable{"WEFT_STRATEGY", "replay:", "needs the token"},
                      BadVariable{"WEFT_STRATEGY", "replay:w9-AA", "unknown version"},
                      BadVariable{"WEFT_KEEP_GOING", "2", "must be 0 (off) or 1 (on)"},
                      BadVariable{"WEFT_DETECT_RACES", "yes", "must be 0 (off) or 1 (on)"},
                      BadVariable{"WEFT_REPLAY", "not-a-token", "w1-"},
                      BadVariable{"WEFT_REPLAY", "w1-AB*D", "invalid character"},
                      BadVariable{"WEFT_SUPPRESS", ":", "file"},
                      BadVariable{"WEFT_SUPPRESS", ".cpp", "not a file name"},
                      BadVariable{"WEFT_SUPPRESS", "/", "names no directory"},
                      BadVariable{"WEFT_SUPPRESS", "a:::", "function name"},
                      BadVariable{"WEFT_SUPPRESS", "cache.cpp:x", "line number"},
                      BadVariable{"WEFT_REPORT", "/no/such/dir/report.json", "does not exist"},
                      BadVariable{"WEFT_REPORT", "/dev/null", "not a regular file"},
                      BadVariable{"WEFT_REPORT", "/tmp", "a directory"}));

TEST(Config, ZeroIterationsOrStepsInCodeAreErrorsToo) {
  weft::ExploreOptions o = plain_opts();
  o.iterations = 0;
  EXPECT_NE(config_error(weft::explore([] {}, o)).find("ExploreOptions::iterations"),
            std::string::npos);
  o = plain_opts();
  o.max_steps = 0;
  EXPECT_NE(config_error(weft::explore([] {}, o)).find("ExploreOptions::max_steps"),
            std::string::npos);
}

TEST(Config, ReplayWithoutTokenAndOutOfRangeParameters) {
  weft::ExploreOptions o = plain_opts();
  o.strategy = weft::StrategyKind::replay;
  EXPECT_NE(config_error(weft::explore([] {}, o)).find("needs a token"), std::string::npos);
  o.strategy = weft::StrategyKind::pct;
  o.pct_depth = 0;
  EXPECT_NE(config_error(weft::explore([] {}, o)).find("ExploreOptions::pct_depth"),
            std::string::npos);
  o = plain_opts();
  o.strategy = weft::StrategyKind::dfs;
  o.dfs_preemption_bound = 1000;
  EXPECT_NE(config_error(weft::explore([] {}, o)).find("ExploreOptions::dfs_preemption_bound"),
            std::string::npos);
}

TEST(Config, BadTokenInOptionsNamesTheOption) {
  weft::ExploreOptions o = plain_opts();
  o.strategy = weft::StrategyKind::replay;
  o.replay = "w1-A";
  std::string msg = config_error(weft::explore([] {}, o));
  EXPECT_NE(msg.find("ExploreOptions::replay"), std::string::npos) << msg;
}

// ---------------------------------------------------------------------------------------
// Replay tokens that do not fit the program.

// Main and one goroutine alternate through `rounds` yields each: every choice has two
// options, so a token from a longer run fits a shorter one choice by choice.
void ping(int rounds, bool fail) {
  auto done = weft::make_chan<int>();
  weft::go([=] {
    for (int i = 0; i < rounds; ++i) weft::yield();
    done.send(1);
  });
  for (int i = 0; i < rounds; ++i) weft::yield();
  done.recv();
  weft::check(!fail, "the long run fails on purpose");
}

TEST(ConfigReplay, ChoicesLeftOverWhenTheProgramEndsIsADivergence) {
  auto long_run = weft::explore([] { ping(30, true); }, plain_opts(1));
  ASSERT_FALSE(long_run.ok());
  ASSERT_EQ(long_run.failure->kind, weft::FailureKind::assertion);
  weft::ExploreOptions o = plain_opts();
  o.strategy = weft::StrategyKind::replay;
  o.replay = long_run.token;
  auto r = weft::explore([] { ping(2, false); }, o);
  ASSERT_FALSE(r.ok()) << "a token with unused choices replayed as a pass";
  EXPECT_EQ(r.failure->kind, weft::FailureKind::replay_diverged) << r;
  EXPECT_NE(r.failure->report.find("left over"), std::string::npos) << r.failure->report;
}

TEST(ConfigReplay, TokenEndingEarlyDivergesEvenIfAFailureFollows) {
  // A token of three choices, replayed on a program that needs dozens and then fails: the
  // failure after the token ran out is not the token's, so it is a divergence.
  weft::ExploreOptions o = plain_opts();
  o.strategy = weft::StrategyKind::replay;
  o.replay = weft_test::literal_token({0, 1, 0});
  auto r = weft::explore([] { ping(30, true); }, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::replay_diverged) << r;
  EXPECT_NE(r.failure->report.find("the token ended at choice 3"), std::string::npos)
      << r.failure->report;
  EXPECT_NE(r.failure->report.find("assertion failure"), std::string::npos)
      << "the report says what the run ended in after diverging:\n" << r.failure->report;
  EXPECT_TRUE(r.token.empty()) << "a diverged run's schedule reproduces nothing";
}

TEST(ConfigReplay, DecisionsNeverExceedSteps) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    weft::ExploreOptions o = plain_opts(5);
    o.seed = seed;
    auto r = weft::explore([] {
      auto a = weft::make_chan<int>(), b = weft::make_chan<int>();
      weft::go([=] { a.send(1); });
      weft::go([=] { b.send(2); });
      for (int i = 0; i < 2; ++i) {
        weft::select(weft::recv_case(a, [](int) {}), weft::recv_case(b, [](int) {}));
      }
    }, o);
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_LE(r.decisions, r.steps) << "seed " << seed;
    EXPECT_GT(r.decisions, 0u);
    // A replay counts the same.
    weft::ExploreOptions first = plain_opts(1);
    first.seed = seed;
    first.minimize_replays = 0;  // the token of the schedule as explored, not a shrunk one
    auto one = weft::explore([] {
      auto c = weft::make_chan<int>();
      weft::go([=] { c.send(1); });
      weft::go([=] { c.send(2); });
      weft::check(c.recv() + c.recv() == 3, "sum");
      weft::check(false, "fail to get a token");
    }, first);
    ASSERT_FALSE(one.ok());
    weft::ExploreOptions rep = plain_opts();
    rep.strategy = weft::StrategyKind::replay;
    rep.replay = one.token;
    auto again = weft::explore([] {
      auto c = weft::make_chan<int>();
      weft::go([=] { c.send(1); });
      weft::go([=] { c.send(2); });
      weft::check(c.recv() + c.recv() == 3, "sum");
      weft::check(false, "fail to get a token");
    }, rep);
    EXPECT_EQ(again.steps, one.steps);
    EXPECT_EQ(again.decisions, one.decisions);
    EXPECT_LE(again.decisions, again.steps);
  }
}

// ---------------------------------------------------------------------------------------
// Suppressions.

TEST(ConfigSuppress, QualifiedNameOfASignature) {
  using weft::detail::qualified_name;
  EXPECT_EQ(qualified_name("void kv::Cache::get(int) const"), "kv::Cache::get");
  EXPECT_EQ(qualified_name("std::vector<int, std::allocator<int> > f::g()"), "f::g");
  EXPECT_EQ(qualified_name("main()::<lambda()>"), "main");
  EXPECT_EQ(qualified_name("auto S::operator()() const"), "S::operator()");
  EXPECT_EQ(qualified_name("plain"), "plain");
}

TEST(ConfigSuppress, MatchesAtBoundariesNeverBySubstring) {
  auto s = weft::detail::Suppressions::parse(
      {"get", "src/cache.cpp", "lru.cpp:42", "kv::Store::put", "third_party/", "Legacy::"},
      "test");
  // directories, matched whole
  EXPECT_TRUE(s.matches("/w/third_party/zlib/inflate.c", "f()", 1));
  EXPECT_TRUE(s.matches("third_party/a.cpp", "f()", 1));
  EXPECT_FALSE(s.matches("/w/my_third_party/a.cpp", "f()", 1));
  // scopes, at a "::" boundary
  EXPECT_TRUE(s.matches("/x/a.cpp", "void Legacy::Pool::take()", 1));
  EXPECT_TRUE(s.matches("/x/a.cpp", "void app::Legacy::run()", 1));
  EXPECT_FALSE(s.matches("/x/a.cpp", "void NotLegacy::run()", 1));
  // function names, at a "::" boundary
  EXPECT_TRUE(s.matches("/x/a.cpp", "void kv::Cache::get(int)", 1));
  EXPECT_FALSE(s.matches("/x/a.cpp", "void kv::Cache::get_all(int)", 1));
  EXPECT_FALSE(s.matches("/x/a.cpp", "void kv::Cache::forget(int)", 1));
  EXPECT_TRUE(s.matches("/x/a.cpp", "int kv::Store::put(int)", 1));
  EXPECT_FALSE(s.matches("/x/a.cpp", "int Store::put(int)", 1));
  // path suffixes, at a '/' boundary
  EXPECT_TRUE(s.matches("/home/u/proj/src/cache.cpp", "f()", 1));
  EXPECT_FALSE(s.matches("/home/u/proj/src/mycache.cpp", "f()", 1));
  EXPECT_FALSE(s.matches("/home/u/proj/xsrc/cache.cpp", "f()", 1));
  // file:line
  EXPECT_TRUE(s.matches("/p/lru.cpp", "f()", 42));
  EXPECT_FALSE(s.matches("/p/lru.cpp", "f()", 43));
  EXPECT_FALSE(s.matches("/p/mylru.cpp", "f()", 42));
}

TEST(ConfigSuppress, ABareLetterSuppressesNothingElse) {
  // "p" once matched every file path containing a p; now it names a function p.
  weft::ExploreOptions o = plain_opts(50);
  o.race_suppressions = {"p"};
  auto r = weft::explore(racy_body, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
}

TEST(ConfigSuppress, FileSuppressionStillWorksFromTheEnvironment) {
  ScopedEnv env("WEFT_SUPPRESS", "config_test.cpp");
  auto r = weft::explore(racy_body, env_opts(50));
  EXPECT_TRUE(r.ok()) << r;
}

// ---------------------------------------------------------------------------------------
// WEFT_REPORT.

fs::path fresh_dir(const char* name) {
  fs::path d = fs::temp_directory_path() / (std::string("weft-config-test-") + name + "-" +
                                            std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::vector<std::string> entries(const fs::path& d) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(d)) out.push_back(e.path().filename().string());
  return out;
}

TEST(ConfigReport, WritesARegularFileWholeAndLeavesNothingElse) {
  fs::path d = fresh_dir("ok");
  fs::path target = d / "report.json";
  {
    std::ofstream(target) << "old";
  }
  ScopedEnv env("WEFT_REPORT", target.c_str());
  auto r = weft::explore([] {}, env_opts(3));
  ASSERT_TRUE(r.ok()) << r;
  std::ifstream in(target);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, r.to_json());
  EXPECT_EQ(entries(d), std::vector<std::string>{"report.json"});
  fs::remove_all(d);
}

TEST(ConfigReport, RefusesASymlinkAndKeepsIt) {
  fs::path d = fresh_dir("link");
  fs::path real = d / "real.json", link = d / "link.json";
  {
    std::ofstream(real) << "keep";
  }
  fs::create_symlink(real, link);
  ScopedEnv env("WEFT_REPORT", link.c_str());
  auto r = weft::explore([] {}, env_opts(3));
  std::string msg = config_error(r);
  EXPECT_NE(msg.find("symbolic link"), std::string::npos) << msg;
  EXPECT_TRUE(fs::is_symlink(link));
  std::ifstream in(real);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "keep");
  fs::remove_all(d);
}

TEST(ConfigReport, FailureGoesToStderrBeforeTheFile) {
  fs::path d = fresh_dir("stderr");
  fs::path target = d / "r.json";
  ScopedEnv env("WEFT_REPORT", target.c_str());
  ::testing::internal::CaptureStderr();
  auto r = weft::explore(racy_body, env_opts(50));
  std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(err.find("replay with: WEFT_REPLAY=" + r.token), std::string::npos) << err;
  EXPECT_TRUE(fs::is_regular_file(target));
  fs::remove_all(d);
}

TEST(ConfigReport, AWriteErrorIsAMessageAndAFailureNotAnAbort) {
  if (::geteuid() == 0) {
    // root writes into read-only directories; /dev/full still fails every write, but it is
    // a device, which is refused up front: check the up-front refusal instead.
    ScopedEnv env("WEFT_REPORT", "/dev/full");
    EXPECT_NE(config_error(weft::explore([] {}, env_opts(2))).find("a device"),
              std::string::npos);
    return;
  }
  fs::path d = fresh_dir("ro");
  ::chmod(d.c_str(), 0500);
  ScopedEnv env("WEFT_REPORT", (d / "r.json").c_str());
  std::string msg = config_error(weft::explore([] {}, env_opts(2)));
  EXPECT_NE(msg.find("not writable"), std::string::npos) << msg;
  ::chmod(d.c_str(), 0700);
  fs::remove_all(d);
}

// ---------------------------------------------------------------------------------------
// Bounded reports.

TEST(ConfigReport, DeadlockDumpOfManyGoroutinesIsBounded) {
  weft::ExploreOptions o = plain_opts(1);
  auto r = weft::explore([] {
    auto never = weft::make_chan<int>();
    for (int i = 0; i < 5000; ++i) weft::go([never] { never.recv(); });
    never.recv();
  }, o);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::deadlock) << r;
  const std::string& rep = r.failure->report;
  // 32 goroutines in full, each with its channel's creation site, and the rest counted.
  EXPECT_LT(rep.size(), 20'000u) << "a 5,001-goroutine deadlock report must stay short";
  EXPECT_NE(rep.find("... and 4969 more goroutines, not listed:"), std::string::npos) << rep;
  EXPECT_NE(rep.find("4969  [chan receive] at"), std::string::npos) << rep;
}

// ---------------------------------------------------------------------------------------
// A blocked operation keeps its channel alive.

struct Node {
  weft::Chan<int> ch;
};

TEST(ConfigChannel, OverwritingTheHandleOfABlockedSendDoesNotFreeTheChannel) {
  auto r = weft::explore([] {
    auto n = std::make_shared<Node>();
    n->ch = weft::make_chan<int>();
    auto done = weft::make_chan<int>();
    weft::go([n] { n->ch.send(1); });  // blocks forever: nobody receives
    weft::go([n, done] {
      n->ch = weft::make_chan<int>(1);  // drops the last handle of the first channel
      done.send(0);
    });
    done.recv();
  }, plain_opts(300));
  // Every schedule ends the same way: the sender is still blocked on the old channel.
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::leak) << r;
  EXPECT_NE(r.failure->report.find("[chan send]"), std::string::npos) << r;
}

TEST(ConfigChannel, OverwritingHandlesOfABlockedSelectDoesNotFreeThem) {
  auto r = weft::explore([] {
    auto n = std::make_shared<Node>(), m = std::make_shared<Node>();
    n->ch = weft::make_chan<int>();
    m->ch = weft::make_chan<int>();
    auto done = weft::make_chan<int>();
    weft::go([n, m] {
      weft::select(weft::recv_case(n->ch, [](int) {}), weft::recv_case(m->ch, [](int) {}));
    });
    weft::go([n, m, done] {
      n->ch = weft::Chan<int>();
      m->ch = weft::Chan<int>();
      done.send(0);
    });
    done.recv();
  }, plain_opts(300));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::leak) << r;
  EXPECT_NE(r.failure->report.find("[select]"), std::string::npos) << r;
}

}  // namespace

}  // namespace config_test
