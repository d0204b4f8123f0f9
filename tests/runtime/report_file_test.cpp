// The WEFT_REPORT file (runtime/src/report_file.hpp): every exploration of a process keeps
// its result (one object, then a weft.explore-runs/1 document listing them all), a
// configuration error is written too, and a process that dies in an iteration (a crash, a
// hang) leaves its fatal report there as JSON, written without allocating.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "weft/weft.hpp"

namespace report_file_test {  // this file's names, apart from the other tests' in a unity build

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Sets an environment variable for the scope, restoring the old value after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

weft::ExploreOptions env_opts(std::uint64_t iterations = 5) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.seed = 3;
  o.use_environment = true;
  return o;
}

// A fresh, empty directory for this test, and the report path in it.
fs::path report_path(const std::string& test) {
  fs::path d = fs::temp_directory_path() /
               ("weft-report-file-test-" + test + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d / "report.json";
}

// For a death test: the same path in the test's process and in the child that re-runs the
// test (threadsafe style), which inherits REPORT_FILE_TEST_DIR from the parent.
fs::path death_test_report_path(const std::string& test) {
  if (const char* dir = std::getenv("REPORT_FILE_TEST_DIR")) return fs::path(dir) / "report.json";
  fs::path p = report_path(test);
  ::setenv("REPORT_FILE_TEST_DIR", p.parent_path().c_str(), 1);
  return p;
}

json read_json(const fs::path& p) {
  std::ifstream in(p);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  json j = json::parse(text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << p << " is not JSON:\n" << text;
  return j;
}

void deadlock_body() {
  auto c = weft::make_chan<int>();
  c.recv();  // nobody sends
}

void leak_body() {
  auto c = weft::make_chan<int>();
  weft::go([c] { c.send(1); });  // nobody receives
}

// A field reached through a null pointer: address 16 is never mapped (and UBSan's null
// check, which looks for address 0, does not stop it first).
[[gnu::noinline]] void write_through(int* p) {
  int* volatile q = p;
  *q = 1;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif
#else
constexpr bool kAsan = false;
#endif

TEST(ReportFile, EachExplorationOfAProcessSurvivesInOrder) {
  fs::path target = report_path("runs");
  ScopedEnv env("WEFT_REPORT", target.c_str());

  auto first = weft::explore([] {}, env_opts());
  ASSERT_TRUE(first.ok()) << first;
  json one = read_json(target);
  EXPECT_EQ(one["schema"], "weft.explore/1");  // one call: the result alone, as before
  EXPECT_EQ(one, json::parse(first.to_json()));

  auto second = weft::explore(deadlock_body, env_opts());
  ASSERT_FALSE(second.ok());
  auto third = weft::explore(leak_body, env_opts());
  ASSERT_FALSE(third.ok());
  json all = read_json(target);
  EXPECT_EQ(all["schema"], "weft.explore-runs/1");
  EXPECT_EQ(all["ok"], false);
  ASSERT_EQ(all["runs"].size(), 3u) << all.dump(2);
  EXPECT_EQ(all["runs"][0], json::parse(first.to_json()));
  EXPECT_EQ(all["runs"][1], json::parse(second.to_json()));
  EXPECT_EQ(all["runs"][1]["failure"]["kind"], "deadlock");
  EXPECT_EQ(all["runs"][2]["failure"]["kind"], "goroutine leak");

  // Another path starts its own file; the first is left as it was.
  fs::path other = report_path("runs-other");
  {
    ScopedEnv env2("WEFT_REPORT", other.c_str());
    auto r = weft::explore([] {}, env_opts());
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(read_json(other)["schema"], "weft.explore/1");
  }
  EXPECT_EQ(read_json(target)["runs"].size(), 3u);
  fs::remove_all(target.parent_path());
  fs::remove_all(other.parent_path());
}

// A report an earlier process left at WEFT_REPORT is gone before this one's first iteration
// runs: killed before it writes, this process leaves no report, not one that reads as its own.
TEST(ReportFile, AnEarlierProcesssReportIsRemovedBeforeTheFirstIteration) {
  fs::path target = report_path("stale");
  std::ofstream(target) << "{\"schema\": \"weft.explore/1\", \"ok\": true}\n";
  ASSERT_TRUE(fs::exists(target));
  ScopedEnv env("WEFT_REPORT", target.c_str());
  bool seen_stale = true;
  auto r = weft::explore([&] { seen_stale = fs::exists(target); }, env_opts());
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_FALSE(seen_stale) << "the earlier report was still there while this one explored";
  EXPECT_EQ(read_json(target), json::parse(r.to_json()));
  fs::remove_all(target.parent_path());
}

// keep_going: a new finding is in the file the moment it is found (so that a process killed
// later keeps it), as the result so far marked partial, after the process's earlier runs;
// the finished result then replaces it. Each iteration's body reads the file as it starts.
TEST(ReportFile, KeepGoingWritesEachNewFindingAsItIsFound) {
  fs::path target = report_path("keep-going");
  ScopedEnv env("WEFT_REPORT", target.c_str());
  auto earlier = weft::explore([] {}, env_opts());
  ASSERT_TRUE(earlier.ok()) << earlier;
  std::vector<json> seen;  // the file as each call of the body found it
  weft::ExploreOptions o = env_opts(3);
  o.keep_going = true;
  auto r = weft::explore([&] {
    seen.push_back(read_json(target));
    deadlock_body();
  }, o);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.findings.size(), 1u) << r;
  EXPECT_EQ(r.findings[0].count, 3u) << r;
  ASSERT_GE(seen.size(), 3u);
  // Iteration 1 and the replays that checked its deadlock saw the earlier run alone.
  EXPECT_EQ(seen.front()["schema"], "weft.explore/1") << seen.front().dump(2);
  // Iterations 2 and 3 saw the deadlock, with its token, after the earlier run.
  for (std::size_t k = seen.size() - 2; k < seen.size(); ++k) {
    const json& doc = seen[k];
    ASSERT_EQ(doc["schema"], "weft.explore-runs/1") << doc.dump(2);
    EXPECT_EQ(doc["ok"], false);
    ASSERT_EQ(doc["runs"].size(), 2u) << doc.dump(2);
    EXPECT_EQ(doc["runs"][0], json::parse(earlier.to_json()));
    const json& run = doc["runs"][1];
    EXPECT_EQ(run["partial"], true) << run.dump(2);
    EXPECT_EQ(run["ok"], false);
    EXPECT_EQ(run["iterations"], 1);
    EXPECT_EQ(run["failure"]["kind"], "deadlock");
    EXPECT_EQ(run["failure"]["token"], r.token);
    ASSERT_EQ(run["findings"].size(), 1u) << run.dump(2);
    EXPECT_EQ(run["findings"][0]["token"], r.token);
    EXPECT_EQ(run["findings"][0]["iteration"], 0);
  }
  // The finished result replaces it: no longer partial, every iteration counted.
  json done = read_json(target);
  ASSERT_EQ(done["runs"].size(), 2u) << done.dump(2);
  EXPECT_EQ(done["runs"][1], json::parse(r.to_json()));
  EXPECT_FALSE(done["runs"][1].contains("partial"));
  EXPECT_EQ(done["runs"][1]["findings"][0]["count"], 3);
  fs::remove_all(target.parent_path());
}

TEST(ReportFile, AllPassingRunsMakeAnOkDocument) {
  fs::path target = report_path("ok-runs");
  ScopedEnv env("WEFT_REPORT", target.c_str());
  ASSERT_TRUE(weft::explore([] {}, env_opts()).ok());
  ASSERT_TRUE(weft::explore([] { weft::yield(); }, env_opts()).ok());
  json all = read_json(target);
  EXPECT_EQ(all["ok"], true);
  EXPECT_EQ(all["runs"].size(), 2u);
  fs::remove_all(target.parent_path());
}

TEST(ReportFile, AConfigurationErrorIsWrittenToo) {
  fs::path target = report_path("config");
  ScopedEnv env("WEFT_REPORT", target.c_str());
  ScopedEnv seed("WEFT_SEED", "forty-two");
  ::testing::internal::CaptureStderr();
  auto r = weft::explore([] {}, env_opts());
  std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r.failure && r.failure->kind == weft::FailureKind::configuration) << r;
  json j = read_json(target);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["iterations"], 0);
  EXPECT_EQ(j["failure"]["kind"], "configuration error");
  EXPECT_NE(j["failure"]["report"].get<std::string>().find("WEFT_SEED"), std::string::npos) << j.dump(2);
  EXPECT_NE(err.find("weft: configuration error"), std::string::npos) << err;
  fs::remove_all(target.parent_path());
}

TEST(ReportFile, AnUnusableReportPathIsNamedAndNothingIsWritten) {
  fs::path d = report_path("dir").parent_path();
  ScopedEnv env("WEFT_REPORT", d.c_str());  // a directory
  ::testing::internal::CaptureStderr();
  auto r = weft::explore([] {}, env_opts());
  std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r.failure && r.failure->kind == weft::FailureKind::configuration) << r;
  EXPECT_NE(r.failure->report.find("is a directory"), std::string::npos) << r;
  EXPECT_TRUE(fs::is_directory(d));
  EXPECT_TRUE(fs::is_empty(d));
  fs::remove_all(d);
}

TEST(ReportFile, TimeBudgetErrorSpeaksOfTheBudgetNotTheWatchdog) {
  ScopedEnv budget("WEFT_TIME_BUDGET", "soon");
  auto r = weft::explore([] {}, env_opts());
  ASSERT_TRUE(r.failure && r.failure->kind == weft::FailureKind::configuration) << r;
  const std::string& msg = r.failure->report;
  EXPECT_NE(msg.find("WEFT_TIME_BUDGET='soon' is not a duration"), std::string::npos) << msg;
  EXPECT_NE(msg.find("0 means no budget"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("watchdog"), std::string::npos) << msg;
  // WEFT_HANG_TIMEOUT's message still says what its 0 does.
  ScopedEnv hang("WEFT_HANG_TIMEOUT", "later");
  ScopedEnv ok_budget("WEFT_TIME_BUDGET", "1m");
  auto h = weft::explore([] {}, env_opts());
  ASSERT_TRUE(h.failure) << h;
  EXPECT_NE(h.failure->report.find("0 turns the watchdog off"), std::string::npos) << h;
}

// The process dies of `sig` (under AddressSanitizer its own handler ends the process after
// weft's report, with a non-zero status).
std::function<bool(int)> dies_of(int sig) {
  return [sig](int status) {
    if (WIFSIGNALED(status)) return WTERMSIG(status) == sig;
    return kAsan && WIFEXITED(status) && WEXITSTATUS(status) != 0;
  };
}

TEST(ReportFileDeathTest, ACrashIsWrittenAsJsonAfterTheEarlierRuns) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  fs::path target = death_test_report_path("crash");
  ScopedEnv env("WEFT_REPORT", target.c_str());
  EXPECT_EXIT(
      {
        auto ok = weft::explore([] {}, env_opts());  // an earlier exploration of the process
        (void)ok;
        auto r = weft::explore([] {
          auto c = weft::make_chan<int>();
          weft::go_named("nuller \"quoted\"", [c] {
            weft::yield();
            write_through(reinterpret_cast<int*>(16));
            c.send(1);
          });
          c.recv();
        }, env_opts(50));
        (void)r;
      },
      dies_of(SIGSEGV), "weft: crash in iteration 1 \\(strategy portfolio, seed 3\\)");
  ::unsetenv("REPORT_FILE_TEST_DIR");
  json all = read_json(target);
  ASSERT_EQ(all["schema"], "weft.explore-runs/1") << all.dump(2);
  EXPECT_EQ(all["ok"], false);
  ASSERT_EQ(all["runs"].size(), 2u) << all.dump(2);
  EXPECT_EQ(all["runs"][0]["ok"], true);
  const json& crash = all["runs"][1];
  EXPECT_EQ(crash["schema"], "weft.explore/1");
  EXPECT_EQ(crash["ok"], false);
  EXPECT_EQ(crash["strategy"], "portfolio");
  EXPECT_EQ(crash["seed"], 3);
  EXPECT_EQ(crash["iterations"], 1);
  EXPECT_EQ(crash["failure"]["kind"], "crash");
  EXPECT_EQ(crash["failure"]["iteration"], 0);
  EXPECT_EQ(crash["failure"]["token"].get<std::string>().rfind("w3-", 0), 0u) << crash.dump(2);
  const std::string report = crash["failure"]["report"];
  EXPECT_EQ(report.rfind("signal SIGSEGV (segmentation fault) at address 0x10\n", 0), 0u) << report;
  EXPECT_NE(report.find("goroutine 2 \"nuller \"quoted\"\" [running]:"), std::string::npos) << report;
  EXPECT_EQ(report.find("replay with"), std::string::npos) << report;  // the token has its field
  // The failure as data, written by the fatal path: its first line and the running goroutine.
  EXPECT_EQ(crash["failure"]["message"], "signal SIGSEGV (segmentation fault) at address 0x10");
  ASSERT_EQ(crash["failure"]["goroutines"].size(), 1u) << crash.dump(2);
  EXPECT_EQ(crash["failure"]["goroutines"][0]["id"], 2);
  EXPECT_EQ(crash["failure"]["goroutines"][0]["name"], "nuller \"quoted\"");
  EXPECT_EQ(crash["failure"]["goroutines"][0]["state"], "running");
  EXPECT_EQ(crash["failure"]["goroutines"][0]["parent"], 1);
  EXPECT_EQ(crash["failure"]["goroutines"][0]["created_at"].size(), 1u);
  // Nothing but the report is left in the directory (no temporary file).
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(target.parent_path())) files += e.exists();
  EXPECT_EQ(files, 1u);
  fs::remove_all(target.parent_path());
}

// Bytes that are not UTF-8 (an exception's message, a goroutine's name) become U+FFFD in the
// JSON, so that a reader takes the file: before, the finished run threw from to_json() and
// the fatal path wrote a file no JSON reader accepts.
TEST(ReportFile, BytesThatAreNotUtf8AreReplacedNotFatal) {
  fs::path target = report_path("utf8");
  ScopedEnv env("WEFT_REPORT", target.c_str());
  auto r = weft::explore([] { throw std::runtime_error("bytes \xff\xfe and \xe2\x82 cut, \xc3\xa9 kept"); },
                         env_opts(3));
  ASSERT_FALSE(r.ok());
  json j = json::parse(r.to_json());
  const std::string report = j["failure"]["report"];
  EXPECT_NE(report.find("bytes \xef\xbf\xbd\xef\xbf\xbd and"), std::string::npos) << report;
  EXPECT_NE(report.find("\xc3\xa9 kept"), std::string::npos) << report;
  EXPECT_EQ(read_json(target)["failure"]["report"], report);
  fs::remove_all(target.parent_path());
}

TEST(ReportFileDeathTest, ACrashOfAGoroutineWhoseNameIsNotUtf8IsWrittenAsJson) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  fs::path target = death_test_report_path("crash-utf8");
  ScopedEnv env("WEFT_REPORT", target.c_str());
  EXPECT_EXIT(
      {
        auto r = weft::explore([] {
          auto c = weft::make_chan<int>();
          weft::go_named("bad \xff name \xe2\x82\xac", [c] {
            write_through(reinterpret_cast<int*>(16));
            c.send(1);
          });
          c.recv();
        }, env_opts(5));
        (void)r;
      },
      dies_of(SIGSEGV), "weft: crash in iteration 1");
  ::unsetenv("REPORT_FILE_TEST_DIR");
  json crash = read_json(target);
  EXPECT_EQ(crash["failure"]["kind"], "crash") << crash.dump(2);
  EXPECT_EQ(crash["failure"]["goroutines"][0]["name"], "bad \xef\xbf\xbd name \xe2\x82\xac");
  fs::remove_all(target.parent_path());
}

TEST(ReportFileDeathTest, AHangIsWrittenAsJson) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  fs::path target = death_test_report_path("hang");
  ScopedEnv env("WEFT_REPORT", target.c_str());
  EXPECT_EXIT(
      {
        weft::ExploreOptions o = env_opts(3);
        o.hang_timeout = std::chrono::milliseconds(50);  // the goroutine below spins forever
        auto r = weft::explore([] {
          auto c = weft::make_chan<int>();
          weft::go_named("spinner", [c] {
            c.send(1);
            std::atomic<bool> stop{false};
            while (!stop.load(std::memory_order_relaxed)) {
            }
          });
          c.recv();
        }, o);
        (void)r;
      },
      testing::ExitedWithCode(124), "weft: hang in iteration 1");
  ::unsetenv("REPORT_FILE_TEST_DIR");
  json j = read_json(target);
  EXPECT_EQ(j["schema"], "weft.explore/1") << j.dump(2);
  EXPECT_EQ(j["failure"]["kind"], "hang");
  EXPECT_EQ(j["failure"]["token"].get<std::string>().rfind("w3-", 0), 0u) << j.dump(2);
  EXPECT_NE(j["failure"]["report"].get<std::string>().find("goroutine 2 \"spinner\" [running]"),
            std::string::npos) << j.dump(2);
  ASSERT_EQ(j["failure"]["goroutines"].size(), 1u) << j.dump(2);
  EXPECT_EQ(j["failure"]["goroutines"][0]["name"], "spinner");
  // Its last visible operation (the send) is where the hang is placed.
  ASSERT_EQ(j["failure"]["locations"].size(), 1u) << j.dump(2);
  EXPECT_EQ(j["failure"]["locations"][0]["file"].get<std::string>(), __FILE__);
  fs::remove_all(target.parent_path());
}

}  // namespace

}  // namespace report_file_test
