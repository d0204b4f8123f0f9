// `--expect FILE` (tools/src/expect.hpp): a run passes when its findings are exactly the
// expected ones. Each exit code end to end, the file's parser, shards judged after merging,
// a baseline written by --save-expect, and the bundled examples' own file (the README's
// first command).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "expect.hpp"
#include "process.hpp"

namespace {

using nlohmann::json;
using weft::cli::Environment;
using weft::cli::TempDir;
using weft::cli::UsageError;

struct Outcome {
  int code = -1;
  std::string out, err;
};

std::string describe(const Outcome& r) {
  return "exit " + std::to_string(r.code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

class Expect : public ::testing::Test {
 protected:
  Outcome weft(std::vector<std::string> args) {
    args.insert(args.begin(), WEFT_CLI);
    Environment e = Environment::inherited();
    e.unset("GTEST_TOTAL_SHARDS");
    e.unset("GTEST_SHARD_INDEX");
    const std::string out = path("out.txt"), err = path("err.txt");
    weft::cli::ExitStatus st = weft::cli::wait_for(weft::cli::spawn(args, e, out, err));
    return {st.signaled ? 128 + st.signal : st.code, weft::cli::read_file(out),
            weft::cli::read_file(err)};
  }
  // `weft explore --expect FILE` (FILE holding `expectations`) over list_kernel, whose
  // exploration `leaky` leaks a goroutine in every schedule and `fine` never fails.
  Outcome explore_expecting(const std::string& expectations, std::vector<std::string> extra = {}) {
    write("expect.txt", expectations);
    std::vector<std::string> a{"explore", "-n", "20", "-j", "2", "--progress", "never",
                               "--expect", path("expect.txt"), "--report", path("r.json")};
    a.insert(a.end(), extra.begin(), extra.end());
    a.insert(a.end(), {"--", LIST_KERNEL});
    return weft(a);
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(path(name), std::ios::binary) << text;
  }
  std::string path(const std::string& name) const { return (tmp_.path() / name).string(); }
  json report() const { return json::parse(weft::cli::read_file(path("r.json"))); }

  TempDir tmp_;
};

TEST_F(Expect, ExactlyTheExpectedFindingsExit0) {
  Outcome r = explore_expecting("# the leak is known\nleaky   goroutine leak\n");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_NE(r.out.find("found as expected: goroutine leak"), std::string::npos) << describe(r);
  EXPECT_NE(r.out.find("[expected]"), std::string::npos) << describe(r);
  EXPECT_NE(r.out.find("0 new, 0 missing -> as expected"), std::string::npos) << describe(r);
  json j = report();
  EXPECT_EQ(j["expect"]["new_findings"], 0);
  EXPECT_EQ(j["expect"]["missing"], 0);
  EXPECT_TRUE(j["expect"]["missing_judged"].get<bool>());
  for (const json& ex : j["explorations"])
    for (const json& f : ex["findings"]) EXPECT_TRUE(f["expected"].get<bool>()) << f.dump(2);
  // The same run without --expect still exits 1: it has findings.
  Outcome plain = weft({"explore", "-n", "20", "--progress", "never", "--", LIST_KERNEL});
  EXPECT_EQ(plain.code, 1) << describe(plain);
}

TEST_F(Expect, AFindingNotListedIsNewAndExits1) {
  Outcome r = explore_expecting("# nothing is expected\n");
  ASSERT_EQ(r.code, 1) << describe(r);
  EXPECT_NE(r.out.find("NEW   leaky"), std::string::npos) << describe(r);
  EXPECT_NE(r.out.find("[NEW: not in the expected findings]"), std::string::npos) << describe(r);
  EXPECT_NE(r.out.find("NOT AS EXPECTED"), std::string::npos) << describe(r);
  EXPECT_GE(report()["expect"]["new_findings"].get<int>(), 1);
}

TEST_F(Expect, AnExpectedFindingNotFoundIsMissingAndExits1) {
  Outcome r = explore_expecting("leaky goroutine leak\nfine  deadlock | data race\n");
  ASSERT_EQ(r.code, 1) << describe(r);
  EXPECT_NE(r.out.find("MISS  fine"), std::string::npos) << describe(r);
  EXPECT_NE(r.out.find("expected data race or deadlock, not found in 20 iterations"),
            std::string::npos) << describe(r);
  json j = report();
  EXPECT_EQ(j["expect"]["missing"], 1);
  EXPECT_EQ(j["expect"]["new_findings"], 0);
}

TEST_F(Expect, AFindingOfAnotherKindIsNewAndItsKindMissing) {
  Outcome r = explore_expecting("leaky deadlock\n");
  ASSERT_EQ(r.code, 1) << describe(r);
  EXPECT_NE(r.out.find("NEW   leaky"), std::string::npos) << describe(r);
  EXPECT_NE(r.out.find("(expected deadlock)"), std::string::npos) << describe(r);
  EXPECT_EQ(report()["expect"]["missing"], 1);
}

TEST_F(Expect, AStarAcceptsAnyKind) {
  Outcome r = explore_expecting("leaky *\n");
  EXPECT_EQ(r.code, 0) << describe(r);
}

TEST_F(Expect, BadFilesExit2BeforeAnythingRuns) {
  struct Case {
    std::string text, message;
  };
  for (const Case& c : {Case{"leeky goroutine leak\n", "has no exploration named 'leeky'"},
                        Case{"leaky goroutine-leak\n", "'goroutine-leak' is not a finding kind"},
                        Case{"leaky\n", "'leaky' names no finding kind"},
                        Case{"leaky deadlock |\n", "'' is not a finding kind"},
                        Case{"leaky deadlock\nleaky panic\n", "'leaky' is listed twice"}}) {
    Outcome r = explore_expecting(c.text);
    EXPECT_EQ(r.code, 2) << c.text << describe(r);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.text << describe(r);
    EXPECT_FALSE(std::filesystem::exists(path("r.json"))) << "ran despite a bad --expect file";
  }
  Outcome absent = weft({"explore", "--expect", path("absent.txt"), "--", LIST_KERNEL});
  EXPECT_EQ(absent.code, 2) << describe(absent);
  EXPECT_NE(absent.err.find("--expect '" + path("absent.txt") + "': no such file"), std::string::npos)
      << describe(absent);
  // What is there but is no file is named as such, not as missing.
  Outcome dir = weft({"explore", "--expect", tmp_.path().string(), "--", LIST_KERNEL});
  EXPECT_EQ(dir.code, 2) << describe(dir);
  EXPECT_NE(dir.err.find("a directory, not a file"), std::string::npos) << describe(dir);
  Outcome dev = weft({"explore", "--expect", "/dev/null", "--", LIST_KERNEL});
  EXPECT_EQ(dev.code, 2) << describe(dev);
  EXPECT_NE(dev.err.find("'/dev/null': not a regular file"), std::string::npos) << describe(dev);
}

TEST_F(Expect, ShardsAreJudgedForMissingFindingsOnlyWhenMerged) {
  // `fine` is expected to fail but never does: one shard cannot call that missing (the
  // bug might be in the other shard's iterations); the merged result can.
  write("expect.txt", "leaky goroutine leak\nfine deadlock\n");
  for (const char* k : {"0", "1"}) {
    const std::string shard = std::string(k) + "/2", report = path(std::string("s") + k + ".json");
    Outcome r = weft({"explore", "-n", "20", "--shard", shard, "--progress", "never", "--expect",
                      path("expect.txt"), "--report", report, "--", LIST_KERNEL});
    EXPECT_EQ(r.code, 0) << describe(r);
    EXPECT_NE(r.out.find("judged over all shards"), std::string::npos) << describe(r);
  }
  Outcome merged = weft({"report", path("s0.json"), path("s1.json"), "--expect", path("expect.txt")});
  EXPECT_EQ(merged.code, 1) << describe(merged);
  EXPECT_NE(merged.out.find("MISS  fine"), std::string::npos) << describe(merged);
  write("expect.txt", "leaky goroutine leak\n");
  Outcome good = weft({"report", path("s0.json"), path("s1.json"), "--expect", path("expect.txt")});
  EXPECT_EQ(good.code, 0) << describe(good);
}

TEST_F(Expect, SaveExpectWritesABaselineThatTheSameRunMeets) {
  Outcome first = weft({"explore", "-n", "20", "--progress", "never", "--save-expect", path("base.txt"),
                    "--", LIST_KERNEL});
  ASSERT_EQ(first.code, 1) << describe(first);
  weft::cli::Expectations e = weft::cli::read_expectations(path("base.txt"));
  ASSERT_EQ(e.entries.size(), 1u);
  EXPECT_EQ(e.entries[0].exploration, "leaky");
  EXPECT_EQ(e.entries[0].kinds, std::set<std::string>{"goroutine leak"});
  Outcome again = weft({"explore", "-n", "20", "--progress", "never", "--expect", path("base.txt"),
                    "--", LIST_KERNEL});
  EXPECT_EQ(again.code, 0) << describe(again);
}

TEST(ExpectFile, ParsesNamesKindsAndComments) {
  auto e = weft::cli::parse_expectations(
      "# comment\n\n  a.b   data race|deadlock   # trailing comment\nSuite.Test/1\tlock-order inversion\n",
      "f.txt");
  ASSERT_EQ(e.entries.size(), 2u);
  EXPECT_EQ(e.entries[0].exploration, "a.b");
  EXPECT_EQ(e.entries[0].kinds, (std::set<std::string>{"data race", "deadlock"}));
  EXPECT_EQ(e.entries[0].line, 3u);
  EXPECT_EQ(e.entries[1].exploration, "Suite.Test/1");
  EXPECT_EQ(e.entries[1].kinds, std::set<std::string>{"lock-order inversion"});
  try {
    (void)weft::cli::parse_expectations("x deadlock\ny dead lock\n", "f.txt");
    FAIL() << "a misspelt kind was accepted";
  } catch (const UsageError& err) {
    EXPECT_NE(std::string(err.what()).find("f.txt:2: 'dead lock' is not a finding kind"),
              std::string::npos) << err.what();
  }
}

#ifdef WEFT_EXAMPLES
// The README's first command: weft explore over the bundled examples, judged against
// examples/expected-findings.txt. Fewer iterations than the README's run, same verdict.
TEST_F(Expect, TheExamplesFindExactlyTheirBugs) {
  const std::string file = std::string(WEFT_SOURCE_DIR) + "/examples/expected-findings.txt";
  Outcome r = weft({"explore", "-n", "200", "--progress", "never", "--expect", file, "--trace-dir",
                path("traces"), "--report", path("r.json"), "--", WEFT_EXAMPLES});
  ASSERT_EQ(r.code, 0) << describe(r);
  json j = report();
  std::set<std::string> kinds;
  for (const json& ex : j["explorations"]) {
    for (const json& f : ex["findings"]) {
      EXPECT_NE(f["replay"].get<std::string>().find(" replay w3-"), std::string::npos) << f.dump(2);
      EXPECT_TRUE(std::filesystem::exists(f["trace"].get<std::string>())) << f.dump(2);
      // The text shows each kind's first finding with its replay command and trace.
      if (!kinds.count(f["kind"])) {
        EXPECT_NE(r.out.find("trace:       " + f["trace"].get<std::string>()), std::string::npos)
            << describe(r);
      }
      kinds.insert(f["kind"]);
    }
  }
  // Each kind of bug the examples teach is among what was found and shown (the lost update
  // is a data race when the examples are instrumented, the assertion it breaks otherwise).
  for (const char* k : {"deadlock", "goroutine leak", "lock-order inversion"})
    EXPECT_TRUE(kinds.count(k)) << k << "\n" << describe(r);
  EXPECT_TRUE(kinds.count("data race") || kinds.count("assertion failure")) << describe(r);
  // The file agrees with what weft-examples itself expects of each example (its --list
  // ends a bug example's line with "[expect: K1 or K2]").
  weft::cli::Expectations e = weft::cli::read_expectations(file);
  Outcome list = weft({"list", "--", WEFT_EXAMPLES});
  ASSERT_EQ(list.code, 0) << describe(list);
  std::map<std::string, std::set<std::string>> listed;
  std::istringstream lines(list.out);
  for (std::string line; std::getline(lines, line);) {
    auto at = line.find("[expect: ");
    if (at == std::string::npos) continue;
    std::string kinds_text = line.substr(at + 9);
    kinds_text.erase(std::min(kinds_text.size(), kinds_text.find(']')));
    std::set<std::string>& ks = listed[line.substr(0, line.find(' '))];
    for (std::size_t sep; (sep = kinds_text.find(" or ")) != std::string::npos;) {
      ks.insert(kinds_text.substr(0, sep));
      kinds_text.erase(0, sep + 4);
    }
    ks.insert(kinds_text);
  }
  std::map<std::string, std::set<std::string>> in_file;
  for (const auto& x : e.entries) in_file[x.exploration] = x.kinds;
  EXPECT_EQ(in_file, listed) << list.out;
}
#endif

}  // namespace
