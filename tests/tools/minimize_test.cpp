// `weft minimize` end to end: a token found by `weft explore` (with the workers' own shrinking
// off) shrinks to fewer preemptions and its shrunk token replays to the same failure; a
// schedule that does not fail, a bad token and a bad flag get the documented exit codes.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "process.hpp"
#include "run_result.hpp"

namespace {

using weft_cli_test::Result;

class Minimize : public ::testing::Test {
 protected:
  Result weft(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
    args.insert(args.begin(), WEFT_CLI);
    weft::cli::Environment e = weft::cli::Environment::inherited();
    e.unset("GTEST_TOTAL_SHARDS");
    e.unset("GTEST_SHARD_INDEX");
    for (const auto& [k, v] : env) e.set(k, v);
    const std::string out = (tmp_.path() / "out.txt").string();
    const std::string err = (tmp_.path() / "err.txt").string();
    weft::cli::ExitStatus st = weft::cli::wait_for(weft::cli::spawn(args, e, out, err));
    return {st.signaled ? 128 + st.signal : st.code, weft::cli::read_file(out),
            weft::cli::read_file(err)};
  }
  // A failing token of Kernels.AssertsOnSomeSchedules as the explorer found it (unshrunk).
  std::string found_token() {
    Result r = weft({"explore", "-e", kKernel, "--progress", "never", "-n", "200", "--format",
                     "json", "--", KERNELS},
                    {{"WEFT_MINIMIZE_REPLAYS", "0"}});
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    auto j = nlohmann::json::parse(r.out);
    return j["explorations"][0]["findings"][0]["token"].get<std::string>();
  }
  static constexpr const char* kKernel = "Kernels.AssertsOnSomeSchedules";
  weft::cli::TempDir tmp_;
};

std::string match(const std::string& text, const char* re) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(re)) ? m[1].str() : std::string();
}

TEST_F(Minimize, ShrinksAFoundTokenAndTheShrunkTokenReplays) {
  const std::string token = found_token();
  ASSERT_EQ(token.rfind("w3-", 0), 0u) << token;
  Result r = weft({"minimize", token, "-e", kKernel, "--", KERNELS});
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("assertion failed: goroutine 1 appended first"), std::string::npos) << r.out;
  const std::string before = match(r.out, "shrunk from ([0-9]+) preemptions? to");
  const std::string after = match(r.out, "preemptions? to ([0-9]+) and");
  const std::string shrunk = match(r.out, "shrunk token: (w3-[A-Za-z0-9_-]+)\n");
  ASSERT_FALSE(shrunk.empty()) << r.out;
  if (!before.empty()) {  // the random walk's schedule had preemptions to spare
    EXPECT_LT(std::stoi(after), std::stoi(before)) << r.out;
    EXPECT_LE(std::stoi(after), 1) << "the bug needs one preemption: " << r.out;
    EXPECT_NE(shrunk, token);
  } else {
    EXPECT_NE(r.out.find("no smaller schedule failed the same way"), std::string::npos) << r.out;
  }
  // The command starts with the path weft was run by, so it can be pasted as it is.
  const std::string command = std::string(WEFT_CLI) + " replay " + shrunk + " -e " + kKernel;
  EXPECT_NE(r.out.find("replay with: " + command), std::string::npos) << r.out;
  // The shrunk token replays to the same failure.
  Result rp = weft({"replay", shrunk, "-e", kKernel, "--", KERNELS});
  EXPECT_EQ(rp.code, 1) << rp.out << rp.err;
  EXPECT_NE(rp.out.find("assertion failed: goroutine 1 appended first"), std::string::npos)
      << rp.out;
  // Minimising the shrunk token again finds nothing smaller within a tiny budget either way,
  // and --replays reaches the binary.
  Result again = weft({"minimize", shrunk, "-e", kKernel, "--replays", "2", "--", KERNELS});
  EXPECT_EQ(again.code, 1) << again.out << again.err;
  EXPECT_NE(again.out.find("shrunk token: w3-"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find("(3 replays)"), std::string::npos) << "at most 2: " << again.out;
}

TEST_F(Minimize, AScheduleThatDoesNotFailHasNothingToShrink) {
  const std::string token = found_token();
  // A token names the test it was recorded for: refused for another, naming both.
  Result other = weft({"minimize", token, "-e", "Kernels.Clean", "--", KERNELS});
  EXPECT_EQ(other.code, 2) << other.out << other.err;
  EXPECT_NE(other.err.find("this token was recorded for '" + std::string(kKernel) +
                           "', not 'Kernels.Clean': replay it with -e " + kKernel),
            std::string::npos)
      << other.err;
  // A version 2 token was recorded when unlocks were scheduling points (schedule semantics 1):
  // refused as an older weft's.
  Result older = weft({"minimize", "w2-DQARAQgAAA", "-e", "Kernels.Clean", "--", KERNELS});
  EXPECT_EQ(older.code, 2) << older.out << older.err;
  EXPECT_NE(older.err.find("recorded by an older weft"), std::string::npos) << older.err;
  // Kernels.Clean has one choice (which goroutine runs after main blocks in recv);
  // "w3-AwAAAAAABAA" (schedule semantics 3) names no test and holds a literal operation of
  // one choice, 0 (runtime/src/schedule.hpp): a passing schedule.
  Result clean = weft({"minimize", "w3-AwAAAAAABAA", "-e", "Kernels.Clean", "--", KERNELS});
  EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find("ran without failure: there is nothing to shrink"), std::string::npos)
      << clean.out;
}

TEST_F(Minimize, BadTokenAndBadFlagsAreUsageErrors) {
  Result bad = weft({"minimize", "not-a-token", "-e", kKernel, "--", KERNELS});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("is not a replay token"), std::string::npos) << bad.err;
  Result flag = weft({"minimize", "w2-AAAA", "--no-such-flag", "--", KERNELS});
  EXPECT_EQ(flag.code, 2);
  EXPECT_NE(flag.err.find("--no-such-flag"), std::string::npos) << flag.err;
  Result zero = weft({"minimize", "w2-AAAA", "--replays", "0", "--", KERNELS});
  EXPECT_EQ(zero.code, 2);
  EXPECT_NE(zero.err.find("--replays"), std::string::npos) << zero.err;
  Result none = weft({"minimize", "w2-AAAA"});
  EXPECT_EQ(none.code, 2) << "no binary";
  Result help = weft({"minimize", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--replays"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("Exit status"), std::string::npos) << help.out;
}

}  // namespace
