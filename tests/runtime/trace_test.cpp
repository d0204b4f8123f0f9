// WEFT_TRACE: a replay writes every event as one JSON line (runtime/src/trace.hpp), with the
// happens-before edge of each acquire, virtual time, and the result last; the same replay
// writes the same bytes.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include "weft/weft.hpp"

namespace trace_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using namespace std::chrono_literals;

// A producer sends two values after a virtual sleep; main's check always fails, so the
// exploration hands back a token to replay.
void body() {
  auto c = weft::make_chan<int>();
  weft::go_named("producer", [c] {
    weft::sleep(5ms);
    c.send(1);
    c.send(2);
  });
  int a = c.recv();
  int b = c.recv();
  weft::check(a + b == 4, "the values sum to 4");
}

// The name of body's explorations: its token is recorded in one function and replayed in
// others (a token of an unnamed exploration replays only at the explore() call that made it).
constexpr const char* kBodyName = "Trace.body";

std::string failing_token() {
  weft::ExploreOptions o;
  o.iterations = 1;
  o.use_environment = false;
  o.name = kBodyName;
  auto r = weft::explore(body, o);
  EXPECT_FALSE(r.ok());
  return r.token;
}

std::vector<nlohmann::json> replay_traced(const std::string& token, const std::string& path) {
  ::setenv("WEFT_TRACE", path.c_str(), 1);
  weft::ExploreOptions o;
  o.strategy = weft::StrategyKind::replay;
  o.replay = token;
  o.name = kBodyName;
  auto r = weft::explore(body, o);
  ::unsetenv("WEFT_TRACE");
  EXPECT_FALSE(r.ok());
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  for (std::string l; std::getline(in, l);) lines.push_back(nlohmann::json::parse(l));
  return lines;
}

std::string temp_path(const char* name) {
  return (std::filesystem::temp_directory_path() /
          (std::string(name) + "-" + std::to_string(::getpid()) + ".jsonl"))
      .string();
}

TEST(Trace, AReplayWritesEveryEventWithItsEdgesAndTheResult) {
  const std::string path = temp_path("weft-trace");
  auto lines = replay_traced(failing_token(), path);
  std::filesystem::remove(path);
  ASSERT_GE(lines.size(), 4u);
  EXPECT_EQ(lines.front()["schema"], "weft.trace/1");
  const auto& last = lines.back();
  EXPECT_EQ(last["op"], "result");
  EXPECT_EQ(last["failure"], "assertion failure");
  bool spawned_producer = false, edge_to_main = false, later_time = false;
  std::uint64_t expected_i = 0;
  for (std::size_t k = 1; k + 1 < lines.size(); ++k) {
    const auto& e = lines[k];
    EXPECT_EQ(e["i"], expected_i++) << e;  // one total order, no gaps
    if (e["op"] == "spawn" && e["name"] == "producer") {
      spawned_producer = true;
      EXPECT_EQ(e["g"], 1);
      EXPECT_EQ(e["child"], 2);
      // Its stable identity (identity.hpp): "g:" and 12 hex digits.
      EXPECT_EQ(e["identity"].get<std::string>().rfind("g:", 0), 0u) << e;
      EXPECT_EQ(e["identity"].get<std::string>().size(), 14u) << e;
      EXPECT_NE(e["file"].get<std::string>().find("trace_test.cpp"), std::string::npos) << e;
    }
    if (e["op"] == "acquire" && e["g"] == 1 && e.contains("from")) {
      // The edge points back at a release of the same object by the producer.
      const auto& from = lines[e["from"].get<std::size_t>() + 1];
      EXPECT_EQ(from["obj"], e["obj"]);
      EXPECT_TRUE(from["op"] == "release" || from["op"] == "release_store") << from;
      if (from["g"] == 2) edge_to_main = true;
    }
    if (e["t"].get<std::int64_t>() >= 5'000'000) later_time = true;
  }
  EXPECT_TRUE(spawned_producer);
  EXPECT_TRUE(edge_to_main);
  EXPECT_TRUE(later_time);  // the producer's sends happen after its virtual sleep
}

TEST(Trace, TheSameReplayWritesTheSameBytes) {
  const std::string token = failing_token();
  const std::string a = temp_path("weft-trace-a"), b = temp_path("weft-trace-b");
  auto la = replay_traced(token, a);
  auto lb = replay_traced(token, b);
  std::stringstream sa, sb;
  sa << std::ifstream(a).rdbuf();
  sb << std::ifstream(b).rdbuf();
  std::filesystem::remove(a);
  std::filesystem::remove(b);
  EXPECT_FALSE(sa.str().empty());
  EXPECT_EQ(sa.str(), sb.str());
}

TEST(Trace, OnlyAReplayIsTracedAndABadPathIsAConfigurationFailure) {
  const std::string path = temp_path("weft-trace-explore");
  ::setenv("WEFT_TRACE", path.c_str(), 1);
  weft::ExploreOptions o;
  o.iterations = 3;
  auto r = weft::explore([] {}, o);
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_FALSE(std::filesystem::exists(path));
  ::setenv("WEFT_TRACE", "/nonexistent-dir/trace.jsonl", 1);
  weft::ExploreOptions rp;
  rp.strategy = weft::StrategyKind::replay;
  rp.replay = failing_token();
  rp.name = kBodyName;
  auto bad = weft::explore(body, rp);
  ::unsetenv("WEFT_TRACE");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.failure->kind, weft::FailureKind::configuration);
  EXPECT_NE(bad.failure->report.find("WEFT_TRACE='/nonexistent-dir/trace.jsonl'"), std::string::npos)
      << bad;
}

TEST(Trace, AFifoNobodyReadsIsAConfigurationFailureNotAWaitForEver) {
  const std::string path = temp_path("weft-trace-fifo");
  std::filesystem::remove(path);
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  ::setenv("WEFT_TRACE", path.c_str(), 1);
  weft::ExploreOptions rp;
  rp.strategy = weft::StrategyKind::replay;
  rp.replay = failing_token();
  rp.name = kBodyName;
  auto bad = weft::explore(body, rp);
  ::unsetenv("WEFT_TRACE");
  std::filesystem::remove(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.failure->kind, weft::FailureKind::configuration);
  EXPECT_NE(bad.failure->report.find("no process has open for reading"), std::string::npos) << bad;
}

}  // namespace

}  // namespace trace_test
