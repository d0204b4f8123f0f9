// The weft executable end to end: every command, every exit code, crash and hang isolation,
// the seed split across jobs and shards, SARIF's required fields, JUnit, merging.
// The binaries explored are kernels.cpp (GoogleTest) and list_kernel.cpp (--list protocol).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"
#include "run_result.hpp"

namespace {

using weft::cli::Environment;
using weft::cli::TempDir;
using nlohmann::json;

using weft_cli_test::Result;

class Cli : public ::testing::Test {
 protected:
  // Runs `weft args...` with `env` added to this process's environment.
  Result weft(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
    args.insert(args.begin(), WEFT_CLI);
    return weft_argv(std::move(args), env);
  }
  Result weft_argv(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
    Environment e = Environment::inherited();
    e.unset("GTEST_TOTAL_SHARDS");
    e.unset("GTEST_SHARD_INDEX");
    for (const auto& [k, v] : env) e.set(k, v);
    const std::string out = path("out.txt"), err = path("err.txt");
    weft::cli::ExitStatus st = weft::cli::wait_for(weft::cli::spawn(args, e, out, err));
    Result r;
    r.code = st.signaled ? 128 + st.signal : st.code;
    r.out = weft::cli::read_file(out);
    r.err = weft::cli::read_file(err);
    return r;
  }
  // `weft args...` started by /bin/sh after `setup` (a ulimit, a trap), which the workers
  // inherit too.
  Result weft_after(const std::string& setup, std::vector<std::string> args) {
    return weft_via(setup + "; exec", std::move(args));
  }
  // `prefix weft args...` run by /bin/sh (prefix: a command that runs its arguments).
  Result weft_via(const std::string& prefix, std::vector<std::string> args) {
    args.insert(args.begin(), {"/bin/sh", "-c", prefix + " \"$0\" \"$@\"", WEFT_CLI});
    return weft_argv(std::move(args));
  }
  std::string path(const std::string& name) const { return (tmp_.path() / name).string(); }
  // A weft-protocol "binary" as a shell script `file`: `--list` prints `name`, any other call
  // runs `body`.
  std::string fake_binary(const std::string& file, const std::string& name,
                          const std::string& body) const {
    const std::string bin = path(file);
    {
      std::ofstream f(bin);
      f << "#!/bin/sh\nif [ \"$1\" = --list ]; then echo " << name << "; exit 0; fi\n" << body;
    }
    std::filesystem::permissions(bin, std::filesystem::perms::owner_all);
    return bin;
  }
  // The shell command by which a fake worker reports a panic, "the fake panic", in iteration
  // `iteration` (a shell word).
  static std::string fake_panic_report(const std::string& iteration) {
    return "printf '{\"schema\":\"weft.explore/1\",\"ok\":false,\"strategy\":\"random\",\"seed\":1,"
           "\"iterations\":1,\"steps\":1,\"decisions\":0,\"budget_exhausted\":false,\"failure\":"
           "{\"kind\":\"panic\",\"iteration\":%s,\"token\":\"w2-AA\",\"report\":\"the fake "
           "panic\\\\n\"}}' " + iteration + " > \"$WEFT_REPORT\"\n";
  }
  json read_json(const std::string& name) const {
    return json::parse(weft::cli::read_file(path(name)));
  }
  // The explore command line for one kernel exploration.
  std::vector<std::string> explore(const std::string& kernel, std::vector<std::string> opts) {
    std::vector<std::string> a{"explore", "-e", "Kernels." + kernel, "--progress", "never"};
    a.insert(a.end(), opts.begin(), opts.end());
    a.push_back("--");
    a.push_back(KERNELS);
    return a;
  }

  TempDir tmp_;
};

std::string describe(const Result& r) {
  return "exit " + std::to_string(r.code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// ---------------------------------------------------------------------------------------
// Usage: --help everywhere, clear errors, exit 2.

TEST_F(Cli, HelpOnEveryCommandSucceeds) {
  for (std::vector<std::string> a : {std::vector<std::string>{"--help"}, {"explore", "--help"},
                                     {"replay", "--help"}, {"list", "--help"}, {"report", "--help"}}) {
    Result r = weft(a);
    EXPECT_EQ(r.code, 0) << describe(r);
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << describe(r);
  }
  EXPECT_NE(weft({"explore", "--help"}).out.find("--jobs"), std::string::npos);
  EXPECT_NE(weft({"--help"}).out.find("2 bad usage"), std::string::npos);
}

TEST_F(Cli, UnknownFlagsAndBadValuesExit2WithAMessage) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<Case> cases{
      {{"explore", "--frobnicate", "--", KERNELS}, "frobnicate"},
      {{"explore", "--jobs", "0", "--", KERNELS}, "at least 1"},
      {{"explore", "--iterations", "many", "--", KERNELS}, "whole number"},
      {{"explore", "--shard", "4/4", "--", KERNELS}, "0 <= K < N"},
      {{"explore", "--shard", "two", "--", KERNELS}, "not a shard"},
      {{"explore", "--time-budget", "5parsecs", "--", KERNELS}, "not a duration"},
      {{"explore", "--strategy", "luck", "--", KERNELS}, "luck"},
      {{"explore", "--hang-timeout", "soon", "--", KERNELS}, "--hang-timeout 'soon'"},
      {{"explore", "--", "/nonexistent/bin"}, "does not exist"},
      {{"explore", "-e", "Kernels.Nope", "--", KERNELS}, "no exploration named 'Kernels.Nope'"},
      {{"explore"}, "command"},
      {{"frobnicate"}, "unknown command 'frobnicate'"},
      {{"replay", "not-a-token", "--", KERNELS}, "not a replay token"},
      {{"replay", "w2-AAAA", "--", KERNELS}, "-e NAME"},
      {{"report", "/nonexistent.json"}, "nonexistent"},
      {{"report", "--format", "pdf", WEFT_CLI}, "pdf"},
  };
  for (const Case& c : cases) {
    Result r = weft(c.args);
    EXPECT_EQ(r.code, 2) << c.args[0] << " " << describe(r);
    EXPECT_NE((r.out + r.err).find(c.says), std::string::npos) << describe(r);
  }
}

TEST_F(Cli, AMalformedWeftVariableIsAnEnvironmentError) {
  Result r = weft(explore("Clean", {"-n", "4"}), {{"WEFT_MAX_STEPS", "lots"}});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.out.find("WEFT_MAX_STEPS='lots'"), std::string::npos) << describe(r);
}

TEST_F(Cli, AReportThatIsNotWeftJsonIsAnError) {
  std::string bad = path("bad.json"), other = path("other.json");
  { std::ofstream(bad) << "{ not json"; }
  { std::ofstream(other) << R"({"schema": "someone.else/3"})"; }
  Result r = weft({"report", bad});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << describe(r);
  r = weft({"report", other});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.err.find("someone.else/3"), std::string::npos) << describe(r);
  // A weft report with a field of the wrong type (hand-edited, or from another weft): an
  // error naming the file, not an abort.
  Result found = weft(explore("AssertsOnSomeSchedules", {"-n", "20", "--report", path("good.json")}));
  ASSERT_EQ(found.code, 1) << describe(found);
  for (const char* field : {"notes", "report", "args", "errors"}) {
    json j = read_json("good.json");
    if (std::string(field) == "notes") j["explorations"][0]["notes"] = json::array({1, 2});
    if (std::string(field) == "report") j["explorations"][0]["findings"][0]["report"] = 5;
    if (std::string(field) == "args") j["args"] = json::array({1});
    if (std::string(field) == "errors") j["errors"] = json::object({{"a", 1}});
    { std::ofstream(path("typed.json")) << j.dump(); }
    r = weft({"report", path("typed.json")});
    EXPECT_EQ(r.code, 2) << field << ": " << describe(r);
    EXPECT_NE(r.err.find(path("typed.json") + ": not a weft report this weft can read"), std::string::npos)
        << field << ": " << describe(r);
  }
}

// ---------------------------------------------------------------------------------------
// list

TEST_F(Cli, ListsAGoogleTestBinary) {
  Result r = weft({"list", "--", KERNELS});
  EXPECT_EQ(r.code, 0) << describe(r);
  for (const char* name : {"Kernels.Clean", "Kernels.SegfaultsOnOneSchedule", "Kernels.LogsIterations"})
    EXPECT_NE(r.out.find(name), std::string::npos) << describe(r);
  Result j = weft({"list", "--json", "--", KERNELS});
  ASSERT_EQ(j.code, 0) << describe(j);
  json l = json::parse(j.out);
  EXPECT_EQ(l["protocol"], "gtest");
  EXPECT_EQ(l["explorations"].size(), 11u);
}

TEST_F(Cli, ListsAndExploresABinaryThatAnswersList) {
  Result r = weft({"list", "--", LIST_KERNEL});
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_NE(r.out.find("fine"), std::string::npos);
  EXPECT_NE(r.out.find("leaky  a sender nobody receives from"), std::string::npos) << describe(r);
  Result ok = weft({"explore", "-e", "fine", "-n", "5", "--", LIST_KERNEL});
  EXPECT_EQ(ok.code, 0) << describe(ok);
  Result leak = weft({"explore", "-e", "leaky", "-n", "5", "--report", path("leak.json"), "--", LIST_KERNEL});
  EXPECT_EQ(leak.code, 1) << describe(leak);
  json j = read_json("leak.json");
  EXPECT_EQ(j["protocol"], "weft");
  EXPECT_EQ(j["explorations"][0]["findings"][0]["kind"], "goroutine leak");
  // Its replay command names the protocol and the exploration, and reproduces the leak.
  std::string token = j["explorations"][0]["findings"][0]["token"];
  Result rp = weft({"replay", token, "-e", "leaky", "--", LIST_KERNEL});
  EXPECT_EQ(rp.code, 1) << describe(rp);
  EXPECT_NE(rp.out.find("goroutine leak"), std::string::npos) << describe(rp);
}

// ---------------------------------------------------------------------------------------
// explore: exit codes, findings, crash and hang isolation.

TEST_F(Cli, ACleanExplorationExits0AndCoversEveryIteration) {
  Result r = weft(explore("Clean", {"-n", "50", "-j", "2", "--report", path("r.json")}));
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_NE(r.out.find("ok    Kernels.Clean  (50 iterations)"), std::string::npos) << describe(r);
  json j = read_json("r.json");
  EXPECT_EQ(j["schema"], "weft.run/1");
  EXPECT_EQ(j["explorations"][0]["covered"], json::parse("[[0, 50]]"));
  EXPECT_EQ(j["findings"], 0);
}

TEST_F(Cli, FindingsExit1AndEachReplays) {
  Result r = weft(explore("AssertsOnSomeSchedules", {"-n", "40", "-j", "2", "--max-findings", "3",
                                                      "--report", path("r.json")}));
  ASSERT_EQ(r.code, 1) << describe(r);
  json j = read_json("r.json");
  const json& fs = j["explorations"][0]["findings"];
  // Workers already running when the third finding arrives finish and report theirs too.
  ASSERT_GE(fs.size(), 3u) << j.dump(2);
  for (const json& f : fs) {
    EXPECT_EQ(f["kind"], "assertion failure");
    EXPECT_EQ(f["token"].get<std::string>().rfind("w3-", 0), 0u);
    EXPECT_NE(f["replay"].get<std::string>().find("-e Kernels.AssertsOnSomeSchedules"), std::string::npos);
  }
  EXPECT_NE(j["explorations"][0]["notes"].dump().find("--max-findings"), std::string::npos);
  Result rp = weft({"replay", fs[0]["token"], "-e", "Kernels.AssertsOnSomeSchedules", "--", KERNELS});
  EXPECT_EQ(rp.code, 1) << describe(rp);
  EXPECT_NE(rp.out.find("goroutine 1 appended first"), std::string::npos) << describe(rp);
}

TEST_F(Cli, ASegfaultingWorkerIsAFindingAndTheRestGoesOn) {
  Result r = weft(explore("SegfaultsOnOneSchedule",
                          {"-n", "120", "-j", "2", "--max-findings", "1000", "--report", path("r.json")}));
  ASSERT_EQ(r.code, 1) << describe(r);
  json j = read_json("r.json");
  const json& ex = j["explorations"][0];
  // Every iteration was explored, though workers died.
  EXPECT_EQ(ex["covered"], json::parse("[[0, 120]]")) << ex.dump(2);
  ASSERT_GE(ex["findings"].size(), 2u) << ex.dump(2);
  std::vector<std::uint64_t> iterations;
  for (const json& f : ex["findings"]) {
    EXPECT_EQ(f["kind"], "crash");
    // The signal ends the worker (under AddressSanitizer, its handler's exit status does).
    EXPECT_FALSE(f["ended"].get<std::string>().empty()) << f.dump(2);
    EXPECT_NE(f["report"].get<std::string>().find("signal SIGSEGV (segmentation fault) at address"), std::string::npos);
    ASSERT_TRUE(f["iteration"].is_number());
    iterations.push_back(f["iteration"]);
  }
  EXPECT_TRUE(std::is_sorted(iterations.begin(), iterations.end()));
  EXPECT_EQ(std::adjacent_find(iterations.begin(), iterations.end()), iterations.end());
  // The same run with one job finds the same crashes: the split changes nothing.
  Result one = weft(explore("SegfaultsOnOneSchedule",
                            {"-n", "120", "-j", "1", "--max-findings", "1000", "--report", path("one.json")}));
  ASSERT_EQ(one.code, 1) << describe(one);
  // (Compared by iteration and token: the report names the faulting address, which ASLR moves.)
  auto key = [](const json& fs) {
    std::vector<std::pair<std::uint64_t, std::string>> k;
    for (const json& f : fs) k.emplace_back(f["iteration"], f["token"]);
    return k;
  };
  EXPECT_EQ(key(read_json("one.json")["explorations"][0]["findings"]), key(ex["findings"]));
  // With --trace-dir each finding gets its HTML timeline, named in the result.
  Result traced = weft(explore("SegfaultsOnOneSchedule", {"-n", "40", "-j", "2", "--max-findings", "1000",
                                                          "--trace-dir", path("traces"), "--report", path("t.json")}));
  ASSERT_EQ(traced.code, 1) << describe(traced);
  const json traced_findings = read_json("t.json")["explorations"][0]["findings"];
  ASSERT_GE(traced_findings.size(), 1u);
  for (const json& f : traced_findings) {
    std::string html = f["trace"];
    EXPECT_EQ(html.rfind(path("traces") + "/Kernels.SegfaultsOnOneSchedule-iteration-", 0), 0u) << html;
    EXPECT_NE(weft::cli::read_file(html).find("class=\"ev finding\""), std::string::npos) << html;
    EXPECT_NE(traced.out.find("trace:       " + html), std::string::npos) << describe(traced);
  }
  // Its token reproduces the crash.
  Result rp = weft({"replay", ex["findings"][0]["token"], "-e", "Kernels.SegfaultsOnOneSchedule", "--", KERNELS});
  EXPECT_EQ(rp.code, 1) << describe(rp);
  EXPECT_NE(rp.out.find("crash in the replayed schedule"), std::string::npos) << describe(rp);
  EXPECT_NE(rp.out.find("SIGSEGV"), std::string::npos) << describe(rp);
}

// A worker killed by SIGKILL (the out-of-memory killer) writes nothing as it dies, but the
// runtime announced each iteration it started (WEFT_PROGRESS): the finding names the
// iteration, the command that runs it again, and the iterations after it go on. The kernel
// dies on the very schedules SegfaultsOnOneSchedule faults on, whose iterations the runtime's
// own crash report names: the two runs must agree.
TEST_F(Cli, AWorkerKilledBySigkillNamesItsIterationAndHowToRunItAgain) {
  Result killed = weft(explore("KilledOnOneSchedule", {"-n", "120", "-j", "2", "--max-findings",
                                                       "1000", "--report", path("k.json")}));
  ASSERT_EQ(killed.code, 1) << describe(killed);
  Result faulted = weft(explore("SegfaultsOnOneSchedule", {"-n", "120", "-j", "2", "--max-findings",
                                                           "1000", "--report", path("s.json")}));
  ASSERT_EQ(faulted.code, 1) << describe(faulted);
  const json ex = read_json("k.json")["explorations"][0];
  EXPECT_EQ(ex["covered"], json::parse("[[0, 120]]")) << ex.dump(2);
  std::vector<std::uint64_t> died, faulted_in;
  const json faults = read_json("s.json")["explorations"][0]["findings"];
  for (const json& f : faults) faulted_in.push_back(f["iteration"]);
  ASSERT_GE(ex["findings"].size(), 2u) << ex.dump(2);
  for (const json& f : ex["findings"]) {
    EXPECT_EQ(f["kind"], "crash") << f.dump(2);
    EXPECT_EQ(f["ended"], "signal SIGKILL (Killed)") << f.dump(2);
    ASSERT_TRUE(f["iteration"].is_number()) << f.dump(2);
    const std::uint64_t i = f["iteration"];
    died.push_back(i);
    EXPECT_NE(f["report"].get<std::string>().find("in iteration " + std::to_string(i + 1) +
                                                  " and left no report (SIGKILL cannot be caught"),
              std::string::npos)
        << f.dump(2);
    const std::string again = f["replay"];
    EXPECT_EQ(again, "WEFT_STRATEGY=portfolio WEFT_SEED=1 WEFT_FIRST_ITERATION=" + std::to_string(i) +
                         " WEFT_ITERATIONS=1 " KERNELS " --gtest_filter=Kernels.KilledOnOneSchedule")
        << f.dump(2);
    // The text shows the first in full and the others (the same crash) a line each.
    EXPECT_NE(killed.out.find(died.size() == 1 ? "replay with: " + again
                                               : "  iteration " + std::to_string(i + 1) +
                                                     ": (no token; run it again: the command above "
                                                     "with WEFT_FIRST_ITERATION=" + std::to_string(i) + ")"),
              std::string::npos)
        << describe(killed);
  }
  EXPECT_EQ(died, faulted_in);
  // The command runs that iteration again, and it dies again; the next one does not.
  const std::string again = ex["findings"][0]["replay"];
  EXPECT_EQ(weft_argv({"/bin/sh", "-c", "exec env " + again}).code, 128 + SIGKILL);
  EXPECT_EQ(weft_argv({"/bin/sh", "-c",
                       "exec env WEFT_STRATEGY=portfolio WEFT_SEED=1 WEFT_ITERATIONS=1 WEFT_FIRST_ITERATION=" + std::to_string(died[0] + 1) +
                           " " KERNELS " --gtest_filter=Kernels.KilledOnOneSchedule"}).code,
            died.size() > 1 && died[1] == died[0] + 1 ? 128 + SIGKILL : 0);
  // A worker that quit with _Exit(0) in its iteration is found at the same iterations.
  Result quit = weft(explore("QuitsQuietlyOnOneSchedule", {"-n", "120", "-j", "2", "--max-findings",
                                                           "1000", "--report", path("q.json")}));
  ASSERT_EQ(quit.code, 1) << describe(quit);
  std::vector<std::uint64_t> quit_in;
  const json quits = read_json("q.json")["explorations"][0]["findings"];
  for (const json& f : quits) {
    ASSERT_TRUE(f["iteration"].is_number()) << f.dump(2);
    quit_in.push_back(f["iteration"]);
  }
  EXPECT_EQ(quit_in, faulted_in);
}

// WEFT_PROGRESS is the CLI's to set: a stray one in the user's environment does not reach
// the workers, and a binary run by hand with one it cannot map says so.
TEST_F(Cli, AStrayProgressVariableIsReplacedOrNamed) {
  Result r = weft(explore("Clean", {"-n", "3"}), {{"WEFT_PROGRESS", "/nonexistent/progress"}});
  EXPECT_EQ(r.code, 0) << describe(r);
  Result direct = weft_argv({KERNELS, "--gtest_filter=Kernels.Clean"},
                            {{"WEFT_PROGRESS", "/nonexistent/progress"}});
  EXPECT_NE(direct.code, 0) << describe(direct);
  EXPECT_NE(direct.out.find("WEFT_PROGRESS='/nonexistent/progress' cannot be used"), std::string::npos)
      << describe(direct);
}

// A token names (by a fingerprint) the test it was recorded for: `weft replay` finds that
// exploration without -e, refuses another one naming the right one, and refuses a binary
// that has none of that name, where such a replay used to run some other schedule and could
// pass. A version 2 token (no fingerprint) still replays.
TEST_F(Cli, ATokenNamesTheTestItWasRecordedFor) {
  Result r = weft(explore("AssertsOnSomeSchedules", {"-n", "40", "-j", "1", "--max-findings", "1",
                                                     "--report", path("r.json")}));
  ASSERT_EQ(r.code, 1) << describe(r);
  const std::string token = read_json("r.json")["explorations"][0]["findings"][0]["token"];
  ASSERT_EQ(token.rfind("w3-", 0), 0u) << token;
  // No -e, in a binary of nine explorations: the token says which.
  Result found = weft({"replay", token, "--", KERNELS});
  EXPECT_EQ(found.code, 1) << describe(found);
  EXPECT_NE(found.out.find("goroutine 1 appended first"), std::string::npos) << describe(found);
  // Another exploration of the same binary.
  Result other = weft({"replay", token, "-e", "Kernels.Clean", "--", KERNELS});
  EXPECT_EQ(other.code, 2) << describe(other);
  EXPECT_NE(other.err.find("this token was recorded for 'Kernels.AssertsOnSomeSchedules', not "
                           "'Kernels.Clean': replay it with -e Kernels.AssertsOnSomeSchedules"),
            std::string::npos)
      << describe(other);
  // Another binary, with no exploration of that name.
  Result elsewhere = weft({"replay", token, "-e", "fine", "--", LIST_KERNEL});
  EXPECT_EQ(elsewhere.code, 2) << describe(elsewhere);
  EXPECT_NE(elsewhere.err.find("this token was recorded for another test (fingerprint "),
            std::string::npos)
      << describe(elsewhere);
  EXPECT_NE(elsewhere.err.find("not 'fine', and '" LIST_KERNEL "' has no exploration of that "
                               "fingerprint: was it recorded with another binary?"),
            std::string::npos)
      << describe(elsewhere);
  // Run by hand under another name (WEFT_EXPLORATION, as the CLI sets it): the runtime says so.
  Result by_hand = weft_argv({KERNELS, "--gtest_filter=Kernels.Clean"},
                             {{"WEFT_REPLAY", token}, {"WEFT_EXPLORATION", "Kernels.Clean"}});
  EXPECT_NE(by_hand.code, 0) << describe(by_hand);
  EXPECT_NE(by_hand.out.find("WEFT_REPLAY: replay token was recorded for another test"),
            std::string::npos)
      << describe(by_hand);
}

// A token records the detector settings it was found with (a finding of the race detector
// is reported only with it; a lock-order inversion fails or warns): `weft replay` runs the
// worker with them unless the user set them, and the runtime refuses a replay with others,
// saying which to set.
TEST_F(Cli, AReplayRunsWithTheDetectorSettingsItsTokenWasRecordedWith) {
  Result r = weft(explore("AssertsOnSomeSchedules", {"-n", "40", "-j", "1", "--max-findings", "1",
                                                     "--report", path("r.json")}),
                  {{"WEFT_DETECT_RACES", "0"}});
  ASSERT_EQ(r.code, 1) << describe(r);
  const std::string token = read_json("r.json")["explorations"][0]["findings"][0]["token"];
  // Not set: the token's setting (detector off), and the failure again.
  Result replayed = weft({"replay", token, "--", KERNELS}, {{"WEFT_DETECT_RACES", ""}});
  EXPECT_EQ(replayed.code, 1) << describe(replayed);
  EXPECT_NE(replayed.out.find("goroutine 1 appended first"), std::string::npos)
      << describe(replayed);
  // Set otherwise by the user: refused, naming the setting that recorded it.
  Result refused = weft({"replay", token, "--", KERNELS}, {{"WEFT_DETECT_RACES", "1"}});
  EXPECT_EQ(refused.code, 2) << describe(refused);
  EXPECT_NE(refused.err.find("replay token was recorded with the race detector "
                             "(ExploreOptions::detect_races, WEFT_DETECT_RACES) off, and this "
                             "exploration has it on"),
            std::string::npos)
      << describe(refused);
  EXPECT_NE(refused.err.find("replay it with WEFT_DETECT_RACES=0"), std::string::npos)
      << describe(refused);
}

// The watchdog's limit is tiny and the goroutine spins forever on the hanging schedule, so
// the outcome does not depend on timing.
TEST_F(Cli, AHangingWorkerIsAFindingAndTheRestGoesOn) {
  Result r = weft(explore("HangsOnOneSchedule", {"-n", "30", "-j", "2", "--max-findings", "1000",
                                                  "--hang-timeout", "100ms", "--report", path("r.json")}));
  ASSERT_EQ(r.code, 1) << describe(r);
  json j = read_json("r.json");
  const json& ex = j["explorations"][0];
  EXPECT_EQ(ex["covered"], json::parse("[[0, 30]]")) << ex.dump(2);
  ASSERT_GE(ex["findings"].size(), 1u);
  for (const json& f : ex["findings"]) {
    EXPECT_EQ(f["kind"], "hang");
    EXPECT_NE(f["ended"].get<std::string>().find("124"), std::string::npos) << f.dump(2);
  }
}

TEST_F(Cli, TheProgressLineIsDrawnOnATerminalOnly) {
  // Not a terminal here: auto draws nothing, always draws (on stderr, never on stdout).
  Result quiet = weft({"explore", "-e", "Kernels.Clean", "-n", "40", "--batch", "5", "--", KERNELS});
  ASSERT_EQ(quiet.code, 0) << describe(quiet);
  EXPECT_EQ(quiet.err, "");
  Result shown = weft({"explore", "-e", "Kernels.Clean", "-n", "40", "--batch", "5", "-j", "1",
                       "--progress", "always", "--", KERNELS});
  ASSERT_EQ(shown.code, 0) << describe(shown);
  EXPECT_NE(shown.err.find("/40 iterations"), std::string::npos) << describe(shown);
  EXPECT_EQ(shown.out.find("/40 iterations"), std::string::npos);
}

// The README's first command: the bundled examples, through the --list protocol.
TEST_F(Cli, ExploresTheBundledExamples) {
#ifndef WEFT_EXAMPLES
  GTEST_SKIP() << "weft-examples is not built (WEFT_BUILD_EXAMPLES=OFF)";
#else
  Result r = weft({"explore", "-n", "60", "-j", "2", "--max-findings", "1", "-e", "pipeline", "-e",
                   "bug-leaked-goroutine", "-e", "bug-lock-order-deadlock", "--trace-dir", path("traces"),
                   "--report", path("r.json"), "--", WEFT_EXAMPLES});
  ASSERT_EQ(r.code, 1) << describe(r);
  json j = read_json("r.json");
  EXPECT_EQ(j["protocol"], "weft");
  std::map<std::string, json> by_name;
  for (const json& e : j["explorations"]) by_name[e["name"]] = e;
  EXPECT_TRUE(by_name["pipeline"]["findings"].empty());
  EXPECT_EQ(by_name["pipeline"]["covered"], json::parse("[[0, 60]]"));
  ASSERT_FALSE(by_name["bug-leaked-goroutine"]["findings"].empty());
  EXPECT_EQ(by_name["bug-leaked-goroutine"]["findings"][0]["kind"], "goroutine leak");
  ASSERT_FALSE(by_name["bug-lock-order-deadlock"]["findings"].empty());
  std::string kind = by_name["bug-lock-order-deadlock"]["findings"][0]["kind"];
  EXPECT_TRUE(kind == "deadlock" || kind == "lock-order inversion") << kind;
  for (const char* name : {"bug-leaked-goroutine", "bug-lock-order-deadlock"}) {
    const json& f = by_name[name]["findings"][0];
    EXPECT_NE(r.out.find(f["replay"].get<std::string>()), std::string::npos) << describe(r);
    EXPECT_TRUE(std::filesystem::exists(f["trace"].get<std::string>())) << f.dump(2);
  }
#endif
}

TEST_F(Cli, ATestThatNeverExploresIsNotedNotFailed) {
  Result r = weft(explore("NeverExplores", {"-n", "10", "-j", "2"}));
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_NE(r.out.find("without calling weft::explore"), std::string::npos) << describe(r);
}

// ---------------------------------------------------------------------------------------
// The seed's iterations split across jobs and shards: none twice, none skipped.

std::vector<std::uint64_t> logged(const std::string& file) {
  std::vector<std::uint64_t> v;
  std::istringstream in(weft::cli::read_file(file));
  for (std::uint64_t x; in >> x;) v.push_back(x);
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::uint64_t> iota(std::uint64_t from, std::uint64_t to) {
  std::vector<std::uint64_t> v;
  for (std::uint64_t i = from; i < to; ++i) v.push_back(i);
  return v;
}

TEST_F(Cli, JobsSplitTheIterationsWithNoOverlapAndNoGap) {
  Result r = weft(explore("LogsIterations", {"-n", "103", "-j", "3", "--batch", "7"}),
                  {{"KERNEL_LOG", path("log")}});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_EQ(logged(path("log")), iota(0, 103));
}

TEST_F(Cli, ShardsSplitTheIterationsAndReportMergesThem) {
  std::vector<std::string> reports;
  for (int k = 0; k < 3; ++k) {
    std::string rep = path("shard" + std::to_string(k) + ".json");
    Result r = weft(explore("LogsIterations", {"-n", "50", "-j", "2", "--shard", std::to_string(k) + "/3",
                                               "--report", rep}),
                    {{"KERNEL_LOG", path("log")}});
    ASSERT_EQ(r.code, 0) << describe(r);
    reports.push_back(rep);
  }
  EXPECT_EQ(logged(path("log")), iota(0, 50));
  std::vector<std::string> args{"report", "--format", "json"};
  args.insert(args.end(), reports.begin(), reports.end());
  Result m = weft(args);
  ASSERT_EQ(m.code, 0) << describe(m);
  json j = json::parse(m.out);
  EXPECT_EQ(j["shards"], json::parse("[[0, 50]]"));
  EXPECT_EQ(j["explorations"][0]["covered"], json::parse("[[0, 50]]"));
  EXPECT_EQ(j["explorations"][0]["iterations"], 50);
  // The same shard twice is an error, not a double count.
  Result twice = weft({"report", reports[0], reports[0]});
  EXPECT_EQ(twice.code, 2) << describe(twice);
}

TEST_F(Cli, GoogleTestShardVariablesChooseTheSlice) {
  Result r = weft(explore("LogsIterations", {"-n", "20", "--report", path("r.json")}),
                  {{"KERNEL_LOG", path("log")}, {"GTEST_TOTAL_SHARDS", "4"}, {"GTEST_SHARD_INDEX", "2"},
                   {"GTEST_SHARD_STATUS_FILE", path("status")}});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_EQ(logged(path("log")), iota(10, 15));
  EXPECT_EQ(read_json("r.json")["shards"], json::parse("[[10, 15]]"));
  EXPECT_TRUE(std::filesystem::exists(path("status")));
  Result bad = weft(explore("Clean", {"-n", "20"}), {{"GTEST_TOTAL_SHARDS", "4"}, {"GTEST_SHARD_INDEX", "9"}});
  EXPECT_EQ(bad.code, 2) << describe(bad);
  EXPECT_NE(bad.err.find("GTEST_SHARD_INDEX"), std::string::npos) << describe(bad);
}

// dfs splits its search tree, not iterations: the parts that jobs and shards run add up to
// the whole search, each exhausted.
TEST_F(Cli, DfsShardsAndJobsSplitTheSearchTree) {
  Result whole = weft(explore("LogsItsSearch", {"--strategy", "dfs:4", "-n", "100000", "-j", "1"}),
                      {{"KERNEL_LOG", path("whole")}});
  ASSERT_EQ(whole.code, 0) << describe(whole);
  for (int k = 0; k < 2; ++k) {
    Result r = weft(explore("LogsItsSearch", {"--strategy", "dfs:4", "-n", "100000", "-j", "2", "--shard",
                                              std::to_string(k) + "/2"}),
                    {{"KERNEL_LOG", path("parts")}});
    ASSERT_EQ(r.code, 0) << describe(r);
    EXPECT_EQ(r.out.find("not exhausted"), std::string::npos) << describe(r);
  }
  auto read = [&](const std::string& name) {
    std::vector<std::pair<std::uint64_t, int>> v;
    std::istringstream in(weft::cli::read_file(path(name)));
    for (std::uint64_t n; in >> n;) {
      int exhausted = 0;
      in >> exhausted;
      v.emplace_back(n, exhausted);
    }
    return v;
  };
  const auto one = read("whole");
  const auto parts = read("parts");
  ASSERT_EQ(one.size(), 1u);
  ASSERT_EQ(parts.size(), 4u);  // 2 shards x 2 jobs
  EXPECT_EQ(one[0].second, 1);
  std::uint64_t sum = 0;
  for (const auto& [n, exhausted] : parts) {
    sum += n;
    EXPECT_EQ(exhausted, 1);
  }
  EXPECT_GT(one[0].first, 4u);
  EXPECT_EQ(sum, one[0].first);
  // The schedules the search ran are its iterations (they showed as 0).
  EXPECT_NE(whole.out.find("(" + std::to_string(one[0].first) + " iterations)"),
            std::string::npos)
      << describe(whole);
}

// ---------------------------------------------------------------------------------------
// report: SARIF and JUnit.

TEST_F(Cli, SarifHasTheRequiredFieldsAndPointsAtTheSource) {
  Result r = weft(explore("AssertsOnSomeSchedules", {"-n", "20", "--max-findings", "2", "--report", path("r.json")}));
  ASSERT_EQ(r.code, 1) << describe(r);
  Result s = weft({"report", "--format", "sarif", path("r.json")});
  ASSERT_EQ(s.code, 1) << describe(s);  // the exit code still says: findings
  json j = json::parse(s.out);
  // sarif-2.1.0 schema: sarifLog requires version and runs; run requires tool; tool requires
  // driver; toolComponent requires name; result requires message (with text).
  EXPECT_EQ(j["version"], "2.1.0");
  ASSERT_TRUE(j["runs"].is_array());
  ASSERT_EQ(j["runs"].size(), 1u);
  const json& run = j["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "weft");
  const json& results = run["results"];
  ASSERT_EQ(results.size(), read_json("r.json")["findings"].get<std::size_t>());
  ASSERT_GE(results.size(), 2u);
  std::set<std::string> rule_ids;
  for (const json& rule : run["tool"]["driver"]["rules"]) rule_ids.insert(rule["id"]);
  for (const json& res : results) {
    ASSERT_TRUE(res["message"]["text"].is_string());
    EXPECT_EQ(res["ruleId"], "weft/assertion-failure");
    EXPECT_TRUE(rule_ids.count(res["ruleId"]));
    EXPECT_TRUE(res["level"] == "error");
    ASSERT_TRUE(res["locations"].is_array()) << res.dump(2);
    const json& phys = res["locations"][0]["physicalLocation"];
    EXPECT_NE(phys["artifactLocation"]["uri"].get<std::string>().find("kernels.cpp"), std::string::npos)
        << res.dump(2);
    EXPECT_GE(phys["region"]["startLine"].get<int>(), 1);
  }
  // With --source-root, paths under it are relative to SRCROOT.
  std::string root = WEFT_SOURCE_DIR;
  json rel = json::parse(weft({"report", "--format", "sarif", "--source-root", root, path("r.json")}).out);
  const json& loc = rel["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
  EXPECT_EQ(loc["uriBaseId"], "SRCROOT") << loc.dump();
  EXPECT_EQ(loc["uri"], "tests/tools/kernels.cpp");
}

TEST_F(Cli, JUnitShowsEachExplorationAsATestCase) {
  Result r = weft({"explore", "-e", "Kernels.Clean", "-e", "Kernels.AssertsOnSomeSchedules", "-n", "20",
                   "--max-findings", "1", "--format", "junit", "--progress", "never", "--", KERNELS});
  ASSERT_EQ(r.code, 1) << describe(r);
  EXPECT_EQ(r.out.rfind("<?xml", 0), 0u);
  EXPECT_NE(r.out.find("<testsuites name=\"weft\" tests=\"2\" failures=\"1\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("<testcase classname=\"weft_cli_kernels\" name=\"Kernels.Clean\">"), std::string::npos);
  EXPECT_NE(r.out.find("<failure type=\"assertion failure\""), std::string::npos) << r.out;
}

}  // namespace

namespace {

// ---------------------------------------------------------------------------------------
// Traces: Chrome trace event JSON and the HTML timeline of a replayed schedule.

std::size_t count(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++n;
  return n;
}

TEST_F(Cli, AReplayExportsItsTraceAsChromeJsonAndHtml) {
  Result r = weft(explore("AssertsOnSomeSchedules", {"-n", "20", "-j", "1", "--max-findings", "1",
                                                      "--report", path("r.json")}));
  ASSERT_EQ(r.code, 1) << describe(r);
  std::string token = read_json("r.json")["explorations"][0]["findings"][0]["token"];
  Result rp = weft({"replay", token, "-e", "Kernels.AssertsOnSomeSchedules", "--trace", path("t.json"),
                    "--html", path("t.html"), "--events", path("e.jsonl"), "--", KERNELS});
  ASSERT_EQ(rp.code, 1) << describe(rp);
  EXPECT_NE(rp.out.find("trace: " + path("t.html")), std::string::npos) << describe(rp);

  // Chrome: a named track per goroutine (main and the two it starts), events on them, flow
  // arrows in start/finish pairs, and the finding marked.
  json c = read_json("t.json");
  ASSERT_TRUE(c["traceEvents"].is_array());
  std::set<std::uint64_t> tracks, used;
  std::map<std::uint64_t, int> flows;
  std::size_t findings = 0;
  for (const json& e : c["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name") tracks.insert(e["tid"].get<std::uint64_t>());
    if (e["ph"] == "X") {
      used.insert(e["tid"].get<std::uint64_t>());
      ASSERT_TRUE(e["ts"].is_number());
      findings += e["cat"] == "finding";
    }
    if (e["ph"] == "s") flows[e["id"]] += 1;
    if (e["ph"] == "f") flows[e["id"]] += 10;
  }
  EXPECT_EQ(tracks, (std::set<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(used, tracks);
  EXPECT_GE(flows.size(), 2u);
  for (const auto& [id, v] : flows) EXPECT_EQ(v, 11) << "flow " << id << " lacks its start or end";
  EXPECT_GE(findings, 1u);
  EXPECT_EQ(c["otherData"]["failure"], "assertion failure");

  // HTML: one file, nothing fetched (its one script is inline); a lane per goroutine; the
  // finding drawn.
  std::string html = weft::cli::read_file(path("t.html"));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(html, "<g class=\"lane\""), 3u);
  EXPECT_GE(count(html, "class=\"ev finding\""), 1u);
  EXPECT_NE(html.find("assertion failure"), std::string::npos);
  EXPECT_EQ(count(html, "<script>"), 1u);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);

  // weft trace converts the kept events the same way.
  Result t = weft({"trace", path("e.jsonl"), "--chrome", path("t2.json")});
  ASSERT_EQ(t.code, 0) << describe(t);
  EXPECT_EQ(read_json("t2.json")["traceEvents"].size(), c["traceEvents"].size());
}

TEST_F(Cli, ACrashedReplayStillLeavesItsTrace) {
  Result r = weft(explore("SegfaultsOnOneSchedule", {"-n", "30", "-j", "1", "--max-findings", "1",
                                                      "--report", path("r.json")}));
  ASSERT_EQ(r.code, 1) << describe(r);
  std::string token = read_json("r.json")["explorations"][0]["findings"][0]["token"];
  Result rp = weft({"replay", token, "-e", "Kernels.SegfaultsOnOneSchedule", "--html", path("c.html"),
                    "--", KERNELS});
  ASSERT_EQ(rp.code, 1) << describe(rp);
  std::string html = weft::cli::read_file(path("c.html"));
  EXPECT_NE(html.find("Result: <span class=\"verdict\">crash</span>"), std::string::npos);
  EXPECT_GE(count(html, "<circle"), 8u);  // the two goroutines' yields and appends
  EXPECT_GE(count(html, "class=\"ev finding\""), 1u);  // where goroutine 1 was when it crashed
}

TEST_F(Cli, TraceRejectsWhatIsNotATrace) {
  { std::ofstream(path("x.jsonl")) << "{\"schema\": \"weft.run/1\"}\n"; }
  Result r = weft({"trace", path("x.jsonl"), "--html", path("x.html")});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.err.find("not a weft trace"), std::string::npos) << describe(r);
  Result none = weft({"trace", path("x.jsonl")});
  EXPECT_EQ(none.code, 2) << describe(none);
}

// ---------------------------------------------------------------------------------------
// Hostile input: output paths that cannot be written, extreme numbers. A bad path is refused
// before anything runs; a write that fails late loses none of what the run found.

TEST_F(Cli, AnOutputPathThatCannotBeWrittenIsRefusedBeforeAnythingRuns) {
  { std::ofstream(path("plain")) << "a file, not a directory"; }
  const std::string under_file = path("plain") + "/r.json";
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<Case> cases{
      {explore("AssertsOnSomeSchedules", {"-n", "50", "--report", under_file}), "--report '" + under_file},
      {explore("AssertsOnSomeSchedules", {"-n", "50", "--report", tmp_.path().string()}), "is a directory"},
      {explore("AssertsOnSomeSchedules", {"-n", "50", "--report", path("no/such/dir/r.json")}),
       "does not exist"},
      {explore("AssertsOnSomeSchedules", {"-n", "50", "--save-expect", under_file}), "--save-expect"},
      {explore("AssertsOnSomeSchedules", {"-n", "50", "--trace-dir", path("plain")}), "--trace-dir"},
      {explore("AssertsOnSomeSchedules", {"-n", "50", "--report", ""}), "the path is empty"},
      {{"replay", "w2-DQARAQgAAA", "-e", "Kernels.AssertsOnSomeSchedules", "--html", under_file, "--",
        KERNELS},
       "--html '" + under_file},
      {{"replay", "w2-DQARAQgAAA", "-e", "Kernels.AssertsOnSomeSchedules", "--events", under_file,
        "--", KERNELS},
       "--events '" + under_file},
  };
  for (const Case& c : cases) {
    Result r = weft(c.args);
    EXPECT_EQ(r.code, 2) << describe(r);
    EXPECT_NE(r.err.find(c.says), std::string::npos) << describe(r);
    EXPECT_EQ(r.out.find("assertion failure"), std::string::npos) << "it ran: " << describe(r);
  }
}

TEST_F(Cli, AReportThatFailsToWriteLosesNoFindingAndNoOldReport) {
  // /dev/full takes nothing (ENOSPC, as a full disk): the findings are on stdout all the same.
  Result r = weft(explore("AssertsOnSomeSchedules", {"-n", "40", "-j", "1", "--report", "/dev/full"}));
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.out.find("=== Kernels.AssertsOnSomeSchedules: assertion failure"), std::string::npos)
      << describe(r);
  EXPECT_NE(r.out.find("summary: 1 exploration"), std::string::npos) << describe(r);
  EXPECT_NE(r.err.find("--report: cannot write '/dev/full'"), std::string::npos) << describe(r);

  // A report larger than the file size limit fails part way: the old report stays whole and
  // no temporary file is left beside it. (The workers' own reports are far smaller.)
  const std::string old = "{\"an\": \"older report\"}\n";
  { std::ofstream(path("r.json")) << old; }
  r = weft_after("trap '' XFSZ; ulimit -f 8",
                 explore("AssertsOnSomeSchedules", {"-n", "200", "-j", "1", "--report", path("r.json")}));
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.out.find("=== Kernels.AssertsOnSomeSchedules: assertion failure"), std::string::npos)
      << describe(r);
  EXPECT_NE(r.err.find("cannot write '" + path("r.json") + "'"), std::string::npos) << describe(r);
  EXPECT_EQ(weft::cli::read_file(path("r.json")), old);
  for (const auto& entry : std::filesystem::directory_iterator(tmp_.path()))
    EXPECT_EQ(entry.path().filename().string().find("r.json."), std::string::npos) << entry.path();
}

TEST_F(Cli, AReplayWhoseTraceCannotBeWrittenStillPrintsItsReport) {
  Result found = weft(explore("AssertsOnSomeSchedules", {"-n", "20", "-j", "1", "--max-findings",
                                                          "1", "--report", path("r.json")}));
  ASSERT_EQ(found.code, 1) << describe(found);
  const std::string token = read_json("r.json")["explorations"][0]["findings"][0]["token"];
  Result r = weft({"replay", token, "-e", "Kernels.AssertsOnSomeSchedules", "--html",
                   "/dev/full", "--", KERNELS});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.out.find("goroutine 1 appended first"), std::string::npos) << describe(r);
  EXPECT_NE(r.err.find("--html: cannot write '/dev/full'"), std::string::npos) << describe(r);
}

TEST_F(Cli, NumbersAtTheEdgesOfTheirRange) {
  // The largest seed is a seed; one more is too large, and says so.
  Result r = weft(explore("Clean", {"-n", "2", "-s", "18446744073709551615"}));
  EXPECT_EQ(r.code, 0) << describe(r);
  r = weft(explore("Clean", {"-n", "2", "-s", "18446744073709551616"}));
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.err.find("too large"), std::string::npos) << describe(r);
  r = weft(explore("Clean", {"-n", "2", "-j", "4294967296"}));
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.err.find("at most 4294967295"), std::string::npos) << describe(r);
  // Every strategy the help lists is accepted.
  for (const char* s : {"urw", "surw", "mutate"}) {
    r = weft(explore("Clean", {"-n", "2", "--strategy", s}));
    EXPECT_EQ(r.code, 0) << s << ": " << describe(r);
  }
  // The most iterations there are, cut into batches as they are handed out: the run stops at
  // its budget and lists the rest as not explored (the CLI's memory is capped at 1 GiB, far
  // below what a list of every batch would take; not under AddressSanitizer, whose shadow
  // memory alone is terabytes of address space).
#if !defined(__SANITIZE_ADDRESS__)
  r = weft_after("ulimit -v 1048576",
                 explore("Clean", {"-n", "18446744073709551615", "--time-budget", "300ms"}));
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_NE(r.out.find(", 18446744073709551615) (time budget)"), std::string::npos) << describe(r);
#endif
}

TEST_F(Cli, AFullTemporaryDirectoryIsAnErrorNotAnEmptyListing) {
  // A 64 KiB tmpfs as TMPDIR, in a mount namespace of its own (root only).
  const std::string dir = path("small");
  std::filesystem::create_directory(dir);
  const std::string mount = "unshare --mount --propagation private sh -c 'mount -t tmpfs -o "
                            "size=64k tmpfs \"$1\" && shift && exec \"$@\"' sh " + dir;
  if (weft_argv({"/bin/sh", "-c", mount + " true"}).code != 0)
    GTEST_SKIP() << "cannot mount a tmpfs in a private mount namespace here";
  Result r = weft_via(mount + " env TMPDIR=" + dir, explore("Clean", {"-n", "4"}));
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.err.find("KiB free ('" + dir + "/weft-"), std::string::npos) << describe(r);
  EXPECT_NE(r.err.find("set TMPDIR"), std::string::npos) << describe(r);
}

TEST_F(Cli, LongDurationsReachTheWorkersInTheirUnitsOrAreRefused) {
  // 300 hours is more milliseconds than a worker's WEFT_TIME_BUDGET takes: passed on in
  // minutes, not refused by every worker.
  Result r = weft(explore("Clean", {"-n", "3", "--time-budget", "300h"}));
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_NE(r.out.find("ok    Kernels.Clean  (3 iterations)"), std::string::npos) << describe(r);
  r = weft(explore("Clean", {"-n", "3", "--time-budget", "999999999999h"}));
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.err.find("--time-budget '999999999999h' is too long"), std::string::npos) << describe(r);
  r = weft(explore("Clean", {"-n", "3", "--hang-timeout", "999999999999h"}));
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.err.find("--hang-timeout '999999999999h' is too long"), std::string::npos) << describe(r);
}

// Every duration flag takes ms, s, m and h; --hang-timeout also a bare number of seconds
// (0: off), as WEFT_HANG_TIMEOUT does. The worker gets it in a unit its weft reads.
TEST_F(Cli, DurationFlagsTakeHoursAndRefuseGarbageNamingTheFlag) {
  const std::string seen = path("hang.txt");
  const std::string bin = fake_binary(
      "timed.sh", "timed",
      "echo \"$WEFT_HANG_TIMEOUT $WEFT_TIME_BUDGET\" > \"" + seen + "\"\n"
      "printf '{\"schema\":\"weft.explore/1\",\"ok\":true,\"strategy\":\"random\",\"seed\":1,"
      "\"iterations\":%s,\"steps\":1,\"decisions\":0,\"budget_exhausted\":false}' "
      "\"$WEFT_ITERATIONS\" > \"$WEFT_REPORT\"\n");
  auto run = [&](const std::string& hang, const std::string& budget) {
    return weft({"explore", "-n", "1", "-j", "1", "--progress", "never", "--hang-timeout", hang,
                 "--time-budget", budget, "--", bin});
  };
  struct Case {
    std::string hang, budget, worker_sees;
  };
  for (const Case& c : {Case{"2h", "1h", "7200000ms"}, Case{"90", "90s", "90000ms"},
                        Case{"0", "1m", "0ms"}, Case{"2000000s", "1h", "2000000s"},
                        Case{"300000h", "300000h", "18000000m"}}) {
    std::filesystem::remove(seen);
    Result r = run(c.hang, c.budget);
    ASSERT_EQ(r.code, 0) << c.hang << ": " << describe(r);
    const std::string got = weft::cli::read_file(seen);
    EXPECT_EQ(got.substr(0, got.find(' ')), c.worker_sees) << c.hang << ": " << got;
  }
  for (const std::string bad : {"1.5h", "h", "10x", "-1s", "1 h", "10sec", "1hh", ""}) {
    Result r = run(bad, "1h");
    EXPECT_EQ(r.code, 2) << bad << ": " << describe(r);
    EXPECT_NE(r.err.find("--hang-timeout '" + bad + "' is not a duration"), std::string::npos)
        << describe(r);
    EXPECT_NE(r.err.find("1h"), std::string::npos) << describe(r);
    r = run("10s", bad);
    EXPECT_EQ(r.code, 2) << bad << ": " << describe(r);
    EXPECT_NE(r.err.find("--time-budget '" + bad + "' is not a duration"), std::string::npos)
        << describe(r);
  }
}

// -j is capped (16 per core, at least 64): an absurd count is refused before anything is
// started, naming the limit and --shard; the limit itself is taken.
TEST_F(Cli, AnAbsurdJobCountIsRefusedNamingTheLimit) {
  const std::string ran = path("ran.txt");
  const std::string bin = fake_binary("counted.sh", "counted", "echo ran >> \"" + ran + "\"\nexit 1\n");
  Result r = weft({"explore", "-n", "100000", "-j", "100000", "--progress", "never", "--", bin});
  EXPECT_EQ(r.code, 2) << describe(r);
  const unsigned most = std::max(64u, 16 * std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_NE(r.err.find("-j/--jobs 100000 is more worker processes than this machine runs "
                       "usefully: at most " + std::to_string(most)),
            std::string::npos)
      << describe(r);
  EXPECT_NE(r.err.find("--shard K/N"), std::string::npos) << describe(r);
  EXPECT_FALSE(std::filesystem::exists(ran)) << "a worker was started";
  r = weft(explore("Clean", {"-n", "2", "-j", std::to_string(most)}));
  EXPECT_EQ(r.code, 0) << describe(r);
  r = weft(explore("Clean", {"-n", "2", "-j", std::to_string(most + 1)}));
  EXPECT_EQ(r.code, 2) << describe(r);
}

TEST_F(Cli, AConfigurationErrorOfEveryWorkerIsSaidOnceAndItsExplorationIsNotOk) {
  Result r = weft(explore("Clean", {"-n", "40", "-j", "2", "--batch", "5", "--strategy", "pct:0"}));
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_EQ(count(r.out, "the depth of pct must be"), 1u) << describe(r);
  EXPECT_NE(r.out.find("ERROR Kernels.Clean  (0 iterations; see the error below)"), std::string::npos)
      << describe(r);
  EXPECT_EQ(r.out.find("ok    Kernels.Clean"), std::string::npos) << describe(r);
}

TEST_F(Cli, BytesThatAreNotUtf8StillMakeJson) {
  // A description and an exception message holding bytes that are not UTF-8: every JSON the
  // CLI writes (the list, the result on stdout and in --report) has U+FFFD for them, where
  // it used to die of an exception and lose the run.
  const std::map<std::string, std::string> env{{"LIST_KERNEL_GARBLE", "1"}};
  Result l = weft({"list", "--json", "--", LIST_KERNEL}, env);
  ASSERT_EQ(l.code, 0) << describe(l);
  EXPECT_NE(json::parse(l.out).dump().find("throws \xef\xbf\xbd\xef\xbf\xbd"), std::string::npos) << l.out;
  Result r = weft({"explore", "-e", "garbled", "-n", "3", "--format", "json", "--report", path("g.json"),
                   "--progress", "never", "--", LIST_KERNEL},
                  env);
  ASSERT_EQ(r.code, 1) << describe(r);
  json j = json::parse(r.out);
  const std::string report = j["explorations"][0]["findings"][0]["report"];
  EXPECT_NE(report.find("bytes \xef\xbf\xbd\xef\xbf\xbd from"), std::string::npos) << report;
  EXPECT_EQ(read_json("g.json")["explorations"][0]["findings"][0]["report"], report);
}

TEST_F(Cli, AWorkerThatQuitsQuietlyInItsTestIsAFindingNotANote) {
  Result r = weft(explore("QuitsQuietlyOnOneSchedule", {"-n", "60", "-j", "1", "--report", path("r.json")}));
  EXPECT_EQ(r.code, 1) << describe(r);
  json j = read_json("r.json");
  const json& ex = j["explorations"][0];
  ASSERT_GE(ex["findings"].size(), 1u) << ex.dump(2);
  EXPECT_EQ(ex["findings"][0]["kind"], "crash");
  EXPECT_EQ(ex["notes"].dump().find("without calling weft::explore"), std::string::npos) << ex.dump(2);
}

TEST_F(Cli, AWorkerThatCannotBeStartedEndsTheRunWithoutLosingItsFindings) {
  // A weft-protocol "binary" whose first worker reports a failure in its first iteration and
  // then takes its own execute permission away: the fresh worker for the rest of the batch
  // cannot be started (as when the system has no process left to give).
  const std::string bin = fake_binary("vanishing.sh", "vanishing",
                                      fake_panic_report("\"$WEFT_FIRST_ITERATION\"") +
                                          "chmod 000 \"$0\"\n"
                                          "exit 1\n");
  Result r = weft({"explore", "-n", "10", "-j", "1", "--batch", "10", "--progress", "never",
                   "--report", path("r.json"), "--", bin});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.out.find("the fake panic"), std::string::npos) << describe(r);
  EXPECT_NE(r.out.find("cannot start '" + bin + "'"), std::string::npos) << describe(r);
  EXPECT_NE(r.out.find("iterations not explored: [1, 10)"), std::string::npos) << describe(r);
  EXPECT_EQ(read_json("r.json")["explorations"][0]["findings"].size(), 1u);
}

// A worker that floods its stdout and stderr costs neither disk (the CLI and its workers run
// under a file size limit of a few MiB, which a worker writing its output to a file would
// die of) nor memory: of each stream the first 64 KiB and the last 192 KiB are kept, and the
// rest is counted as dropped.
TEST_F(Cli, AWorkerFloodingItsOutputCostsNoDiskAndKeepsItsHeadAndTail) {
  const std::string bin = fake_binary(
      "flooding.sh", "flooding",
      "echo first-line-out; echo first-line-err >&2\n"
      "head -c 16777216 /dev/zero | tr '\\0' o\n"
      "head -c 16777216 /dev/zero | tr '\\0' e >&2\n"
      "echo; echo last-line-out; echo; echo last-line-err >&2\n"
      "exit 3\n");
  const std::string tmpdir = path("tmp");
  std::filesystem::create_directory(tmpdir);
  Result r = weft_after("ulimit -f 4096; export TMPDIR=" + tmpdir,
                        {"explore", "-n", "1", "-j", "1", "--progress", "never", "--keep-temp",
                         "--report", path("r.json"), "--", bin});
  ASSERT_EQ(r.code, 1) << describe(r);
  const json f = read_json("r.json")["explorations"][0]["findings"][0];
  EXPECT_EQ(f["ended"], "exit status 3") << f.dump(2);  // not SIGXFSZ
  EXPECT_NE(f["report"].get<std::string>().find("last-line-err"), std::string::npos) << f.dump(2);
  // What was kept, as --keep-temp leaves it.
  std::vector<std::filesystem::path> kept;
  for (const auto& e : std::filesystem::recursive_directory_iterator(tmpdir))
    if (e.path().extension() == ".out" || e.path().extension() == ".err")
      if (e.path().filename().string().starts_with("w0.")) kept.push_back(e.path());
  ASSERT_EQ(kept.size(), 2u);  // w0.out, w0.err (no report: the worker wrote none)
  for (const auto& k : kept) {
    const std::string text = weft::cli::read_file(k);
    const bool out = k.extension() == ".out";
    const std::uint64_t total = 16777216 + (out ? 15 + 1 + 14 + 1 : 15 + 14);
    EXPECT_LT(text.size(), 270u << 10) << k;
    EXPECT_EQ(text.rfind(out ? "first-line-out\n" : "first-line-err\n", 0), 0u) << k;
    EXPECT_TRUE(text.ends_with(out ? "last-line-out\n\n" : "last-line-err\n")) << k;
    EXPECT_NE(text.find("[weft: " + std::to_string(total - (256u << 10)) +
                        " bytes of this output dropped here; only its first 64 KiB and last "
                        "192 KiB are kept]"),
              std::string::npos)
        << k << ": " << text.substr(65536, 200);
  }
}

// Whether process `pid` (not a child of this one) has died or dies soon: it is gone or a
// zombie. A SIGKILL sent to it is delivered promptly, so the wait is bounded by a count of
// yields, not by time; one still alive after them is killed here (cleaning up a failure).
bool ends(pid_t pid) {
  auto alive = [pid] {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;  // gone
    const auto close = line.rfind(')');
    const char state = close != std::string::npos && close + 2 < line.size() ? line[close + 2] : '?';
    return state != 'Z' && state != 'X';
  };
  for (int i = 0; i < 1'000'000; ++i) {
    if (!alive()) return true;
    std::this_thread::yield();
  }
  ::kill(pid, SIGKILL);
  return false;
}

// A program under test that forks leaves nothing behind: each worker leads a process group,
// and whatever is left in it when the worker ends is killed.
TEST_F(Cli, AWorkersForkedChildDoesNotOutliveIt) {
  const std::string pid_file = path("child.pid");
  const std::string bin = fake_binary(
      "forking.sh", "forking",
      // A child that would wait for ever, started in the background.
      "sh -c 'echo $$ > \"$0\"; exec sleep 1000000' \"" + pid_file + "\" &\n"
      "while [ ! -s \"" + pid_file + "\" ]; do :; done\n"
      "printf '{\"schema\":\"weft.explore/1\",\"ok\":true,\"strategy\":\"random\",\"seed\":1,"
      "\"iterations\":%s,\"steps\":1,\"decisions\":0,\"budget_exhausted\":false}' "
      "\"$WEFT_ITERATIONS\" > \"$WEFT_REPORT\"\n"
      "exit 0\n");
  // weft in a session of its own: this harness kills the group it started (spawn), which
  // must not be what cleans up.
  Result r = weft_via("setsid -w", {"explore", "-n", "1", "-j", "1", "--progress", "never", "--", bin});
  ASSERT_EQ(r.code, 0) << describe(r);
  const pid_t child = static_cast<pid_t>(std::stol(weft::cli::read_file(pid_file)));
  ASSERT_GT(child, 1);
  // Killed before weft returned; it may still be on its way out (a zombie until its new
  // parent reaps it), but it never runs again.
  EXPECT_TRUE(ends(child)) << "the worker's child " << child << " outlived it";
}

// Workers do not outlive a CLI that is killed outright (kill -9: no handler runs), although
// each leads a process group of its own: they get SIGKILL when their parent dies.
TEST_F(Cli, WorkersDieWithAKilledCli) {
  const std::string pid_file = path("worker.pid");
  const std::string bin = fake_binary("waits.sh", "waits",
                                      "echo $$ > \"" + pid_file + "\"\nexec sleep 1000000\n");
  const pid_t cli = weft::cli::spawn({WEFT_CLI, "explore", "-n", "1", "-j", "1", "--progress",
                                      "never", "--", bin},
                                     weft::cli::Environment::inherited(), path("out.txt"),
                                     path("err.txt"));
  auto worker_pid = [&] {
    const std::string text = weft::cli::read_file(pid_file);
    return text.find('\n') == std::string::npos ? pid_t{0} : static_cast<pid_t>(std::stol(text));
  };
  pid_t worker = 0;
  for (int i = 0; i < 10'000'000 && worker == 0; ++i) {
    std::this_thread::yield();
    worker = worker_pid();
  }
  ASSERT_GT(worker, 1) << "the worker never started";
  ::kill(cli, SIGKILL);
  const weft::cli::ExitStatus st = weft::cli::wait_for(cli);
  EXPECT_TRUE(st.signaled);
  EXPECT_TRUE(ends(worker)) << "worker " << worker << " outlived the killed CLI";
}

TEST_F(Cli, RepeatedNamesAndShardEnvironmentAtTheirEdges) {
  // An exploration named twice is explored once.
  Result r = weft(explore("Clean", {"-n", "4", "-e", "Kernels.Clean"}));
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_EQ(count(r.out, "ok    Kernels.Clean"), 1u) << describe(r);
  EXPECT_NE(r.out.find("summary: 1 exploration,"), std::string::npos) << describe(r);
  // The largest shard count is a shard count.
  r = weft(explore("Clean", {"-n", "4", "--shard", "0/18446744073709551615"}));
  EXPECT_EQ(r.code, 0) << describe(r);
  // A shard status file that cannot be written is the CLI's error, not a GoogleTest binary
  // that "could not list its explorations".
  const std::string status = path("plain") + "/status";
  { std::ofstream(path("plain")) << "a file"; }
  r = weft(explore("Clean", {"-n", "4"}),
           {{"GTEST_TOTAL_SHARDS", "2"}, {"GTEST_SHARD_INDEX", "1"}, {"GTEST_SHARD_STATUS_FILE", status}});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.err.find("GTEST_SHARD_STATUS_FILE '" + status + "' cannot be written"), std::string::npos)
      << describe(r);
  // A writable one is touched by the CLI, and the children are not asked to.
  r = weft(explore("Clean", {"-n", "4"}), {{"GTEST_TOTAL_SHARDS", "2"}, {"GTEST_SHARD_INDEX", "1"},
                                           {"GTEST_SHARD_STATUS_FILE", path("status")}});
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(std::filesystem::exists(path("status")));
}

#ifdef WEFT_EXAMPLES
TEST_F(Cli, WeftExamplesRefusesNumbersOutsideSixtyFourBits) {
  // CLI11 alone took -1 and 2^64 as 2^64 - 1, and ran.
  for (std::vector<std::string> args : {std::vector<std::string>{"-s", "-1"}, {"-s", "18446744073709551616"},
                                        {"-n", "18446744073709551616"}}) {
    args.insert(args.begin(), WEFT_EXAMPLES);
    args.insert(args.end(), {"--only", "goroutines"});
    Result r = weft_argv(args, {{"WEFT_ITERATIONS", "2"}});  // were they taken: a short run
    EXPECT_EQ(r.code, 2) << args[1] << " " << args[2] << ": " << describe(r);
    EXPECT_EQ(r.out.find("ok    goroutines"), std::string::npos) << describe(r);
  }
  Result r = weft_argv({WEFT_EXAMPLES, "-s", "18446744073709551615", "-n", "2", "--only", "goroutines"});
  EXPECT_EQ(r.code, 0) << describe(r);
  // A listing stdout cannot take is exit 2, not an empty list and 0.
  r = weft_argv({"/bin/sh", "-c", "exec \"$0\" --list > /dev/full", WEFT_EXAMPLES});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.err.find("could not be written to stdout"), std::string::npos) << describe(r);
}
#endif

TEST_F(Cli, ATraceThatCannotBeReadCostsTheTraceNotTheFinding) {
  // A weft-protocol "binary" whose every run fails its first iteration and leaves a trace
  // with a line that is not JSON (a cut last line alone is taken: a crash leaves one).
  const std::string bin = fake_binary(
      "cut-trace.sh", "cut",
      "[ -n \"$WEFT_TRACE\" ] && printf '{\"schema\":\"weft.trace/1\"}\\nno json\\n{\"i\":0}\\n' > \"$WEFT_TRACE\"\n" +
          fake_panic_report("0") + "exit 1\n");
  Result rp = weft({"replay", "w2-AA", "--html", path("t.html"), "--", bin});
  EXPECT_EQ(rp.code, 2) << describe(rp);
  EXPECT_NE(rp.out.find("the fake panic"), std::string::npos) << describe(rp);
  EXPECT_NE(rp.err.find("not a JSON line"), std::string::npos) << describe(rp);
  Result r = weft({"explore", "-n", "1", "--progress", "never", "--trace-dir", path("traces"),
                   "--", bin});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.out.find("the fake panic"), std::string::npos) << describe(r);
  EXPECT_NE(r.out.find("not a JSON line"), std::string::npos) << describe(r);
}

TEST_F(Cli, AResultThatStdoutCannotTakeIsAnError) {
  // stdout on a full disk: a clean run must not exit 0 as if its result had been printed.
  std::vector<std::string> args{"/bin/sh", "-c", "exec \"$0\" \"$@\" > /dev/full", WEFT_CLI};
  for (const std::string& a : explore("Clean", {"-n", "4"})) args.push_back(a);
  Result r = weft_argv(args);
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.err.find("could not be written to stdout"), std::string::npos) << describe(r);
}

TEST_F(Cli, ARunStoppedBySigtermStillPrintsWhatItFound) {
  // A weft-protocol "binary": its first worker fails its iteration; its second sends SIGTERM
  // to the CLI (as a CI job's timeout would) and then waits, as a worker still busy does.
  const std::string bin = fake_binary(
      "interrupting.sh", "interrupting",
      "if [ \"$WEFT_FIRST_ITERATION\" != 0 ]; then kill -TERM $PPID; exec sleep 60; fi\n" +
          fake_panic_report("0") + "exit 1\n");
  Result r = weft({"explore", "-n", "3", "-j", "1", "--batch", "1", "--progress", "never",
                   "--report", path("r.json"), "--", bin});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.out.find("the fake panic"), std::string::npos) << describe(r);
  EXPECT_NE(r.out.find("interrupted by SIGTERM"), std::string::npos) << describe(r);
  EXPECT_NE(r.out.find("iterations not explored: [1, 3)"), std::string::npos) << describe(r);
  EXPECT_EQ(read_json("r.json")["explorations"][0]["findings"].size(), 1u);
}

TEST_F(Cli, AReplayStoppedBySigtermStopsItsWorker) {
  // The replayed "binary" sends SIGTERM to the CLI and then waits: the CLI must stop it and
  // say so, not die and leave it running.
  const std::string bin =
      fake_binary("stuck-replay.sh", "stuck", "kill -TERM $PPID; exec sleep 60\n");
  Result r = weft({"replay", "w2-AA", "--", bin});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.err.find("weft replay: interrupted by SIGTERM; the replay was stopped"), std::string::npos)
      << describe(r);
}

// ---------------------------------------------------------------------------------------
// WEFT_KEEP_GOING: a finding, once found, survives the worker being killed.

// The worker deadlocks in iteration 1, keeps going, and is killed by SIGKILL (nothing in the
// process sees it) in iteration 2, once the deadlock is in its report: the deadlock is kept
// with its token, the kill is a finding of its own that says so, and iteration 3 goes on in a
// fresh worker (which deadlocks and ends normally).
TEST_F(Cli, AKeepGoingWorkerKilledAfterAFindingStillReportsIt) {
  Result r = weft(explore("KeepsGoingThenKilled", {"-n", "3", "-j", "1", "--batch", "3",
                                                   "--report", path("r.json")}),
                  {{"WEFT_KEEP_GOING", "1"}});
  ASSERT_EQ(r.code, 1) << describe(r);
  const json ex = read_json("r.json")["explorations"][0];
  EXPECT_EQ(ex["covered"], json::parse("[[0, 3]]")) << ex.dump(2);
  const json& fs = ex["findings"];
  ASSERT_EQ(fs.size(), 3u) << ex.dump(2);
  EXPECT_EQ(fs[0]["kind"], "deadlock") << fs.dump(2);
  EXPECT_EQ(fs[0]["iteration"], 0) << fs.dump(2);
  const std::string token = fs[0]["token"];
  EXPECT_EQ(token.rfind("w3-", 0), 0u) << fs.dump(2);
  EXPECT_NE(fs[0]["replay"].get<std::string>().find("replay " + token), std::string::npos);
  EXPECT_EQ(fs[1]["kind"], "crash") << fs.dump(2);
  EXPECT_EQ(fs[1]["iteration"], 1) << fs.dump(2);
  EXPECT_EQ(fs[1]["ended"], "signal SIGKILL (Killed)") << fs.dump(2);
  EXPECT_NE(fs[1]["report"].get<std::string>().find(
                "in iteration 2 and reported only the 1 finding it had found before, listed "
                "on its own (SIGKILL cannot be caught"),
            std::string::npos)
      << fs.dump(2);
  EXPECT_EQ(fs[2]["kind"], "deadlock") << fs.dump(2);
  EXPECT_EQ(fs[2]["iteration"], 2) << fs.dump(2);
  // The text shows the deadlock's token and how the worker ended.
  EXPECT_NE(r.out.find("replay with: " + fs[0]["replay"].get<std::string>()), std::string::npos)
      << describe(r);
  EXPECT_NE(r.out.find("the worker ended with signal SIGKILL (Killed)"), std::string::npos)
      << describe(r);
  EXPECT_NE(r.out.find("s); 1 worker killed by SIGKILL\n"), std::string::npos)
      << describe(r);
  // The kept token replays the deadlock.
  Result rp = weft({"replay", token, "-e", "Kernels.KeepsGoingThenKilled", "--", KERNELS});
  EXPECT_EQ(rp.code, 1) << describe(rp);
  EXPECT_NE(rp.out.find("deadlock"), std::string::npos) << describe(rp);
}

// A crash after a keep-going finding: the runtime's fatal report (written by the signal
// handler) holds the finding before it, and the CLI keeps both, each with its token.
TEST_F(Cli, AKeepGoingWorkerThatCrashesAfterAFindingReportsBoth) {
  Result r = weft(explore("KeepsGoingThenSegfaults", {"-n", "2", "-j", "1", "--batch", "2", "--report",
                                                      path("r.json")}),
                  {{"WEFT_KEEP_GOING", "1"}});
  ASSERT_EQ(r.code, 1) << describe(r);
  const json ex = read_json("r.json")["explorations"][0];
  EXPECT_EQ(ex["covered"], json::parse("[[0, 2]]")) << ex.dump(2);
  const json& fs = ex["findings"];
  ASSERT_EQ(fs.size(), 2u) << ex.dump(2);
  EXPECT_EQ(fs[0]["kind"], "deadlock") << fs.dump(2);
  EXPECT_EQ(fs[0]["iteration"], 0) << fs.dump(2);
  EXPECT_EQ(fs[0]["token"].get<std::string>().rfind("w3-", 0), 0u) << fs.dump(2);
  EXPECT_EQ(fs[1]["kind"], "crash") << fs.dump(2);
  EXPECT_EQ(fs[1]["iteration"], 1) << fs.dump(2);
  EXPECT_EQ(fs[1]["token"].get<std::string>().rfind("w3-", 0), 0u) << fs.dump(2);
  // (How the worker ended is SIGSEGV, or AddressSanitizer's exit status after its own report.)
  EXPECT_FALSE(fs[1]["ended"].get<std::string>().empty()) << fs.dump(2);
  EXPECT_EQ(fs[1]["report"].get<std::string>().rfind("signal SIGSEGV (segmentation fault) at "
                                                      "address", 0),
            0u)
      << fs.dump(2);
}

// The same binary run alone (no CLI) with WEFT_KEEP_GOING and WEFT_REPORT, killed by SIGKILL
// after its first finding: its report file is whole JSON, says it is partial, and holds the
// finding with its token; nothing else is left beside it.
TEST_F(Cli, APlainBinaryKilledAfterAKeepGoingFindingLeavesItInItsReport) {
  const std::filesystem::path dir = tmp_.path() / "alone";
  std::filesystem::create_directory(dir);
  const std::string report = (dir / "report.json").string();
  Result r = weft_argv({KERNELS, "--gtest_filter=Kernels.KeepsGoingThenKilled"},
                       {{"WEFT_KEEP_GOING", "1"}, {"WEFT_REPORT", report},
                        {"WEFT_ITERATIONS", "5"}});
  ASSERT_EQ(r.code, 128 + SIGKILL) << describe(r);
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"report.json"});
  const json j = json::parse(weft::cli::read_file(report));  // whole, or this throws
  EXPECT_EQ(j["schema"], "weft.explore/1") << j.dump(2);
  EXPECT_EQ(j["ok"], false) << j.dump(2);
  EXPECT_EQ(j["partial"], true) << j.dump(2);
  EXPECT_EQ(j["iterations"], 1) << j.dump(2);
  ASSERT_EQ(j["findings"].size(), 1u) << j.dump(2);
  EXPECT_EQ(j["findings"][0]["kind"], "deadlock") << j.dump(2);
  EXPECT_EQ(j["findings"][0]["iteration"], 0) << j.dump(2);
  EXPECT_EQ(j["findings"][0]["token"], j["failure"]["token"]) << j.dump(2);
  EXPECT_EQ(j["failure"]["token"].get<std::string>().rfind("w3-", 0), 0u) << j.dump(2);
}

}  // namespace
