// The test binary and its protocol; see target.hpp.
#include "target.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "text.hpp"

namespace weft::cli {

const char* protocol_name(Protocol p) noexcept { return p == Protocol::gtest ? "gtest" : "weft"; }

namespace {

// Whether the file holds `needle` (GoogleTest binaries hold their flag names).
bool file_contains(const std::string& path, std::string_view needle) {
  std::ifstream in(path, std::ios::binary);
  std::string carry;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::string chunk = carry + std::string(buf.data(), static_cast<std::size_t>(in.gcount()));
    if (chunk.find(needle) != std::string::npos) return true;
    carry = chunk.size() >= needle.size() ? chunk.substr(chunk.size() - needle.size() + 1) : chunk;
  }
  return false;
}

std::string last_chars(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

}  // namespace

Target make_target(const std::vector<std::string>& command, const std::string& protocol) {
  if (command.empty())
    throw UsageError("no test binary given: put it after '--', as in: weft explore -- ./my_tests");
  Target t;
  t.binary = resolve_program(command[0]);
  t.args.assign(command.begin() + 1, command.end());
  if (protocol == "gtest") {
    t.protocol = Protocol::gtest;
  } else if (protocol == "weft") {
    t.protocol = Protocol::weft;
  } else if (protocol == "auto") {
    t.protocol = file_contains(t.binary, "gtest_list_tests") ? Protocol::gtest : Protocol::weft;
  } else {
    throw UsageError(fmt::format("--protocol '{}' is unknown; use auto, gtest or weft", protocol));
  }
  return t;
}

std::vector<Exploration> parse_gtest_list(const std::string& text) {
  std::vector<Exploration> out;
  std::istringstream in(text);
  std::string line, suite;
  while (std::getline(in, line)) {
    std::string body = line;
    std::string comment;
    if (auto hash = body.find('#'); hash != std::string::npos) {
      comment = trim(body.substr(hash + 1));
      body = body.substr(0, hash);
    }
    if (trim(body).empty()) continue;
    if (line[0] != ' ') {
      suite = trim(body);  // "Suite." (ends with a dot)
      if (suite.empty() || suite.back() != '.') suite.clear();  // not a listing line
      continue;
    }
    if (suite.empty()) continue;
    out.push_back({suite + trim(body), comment});
  }
  return out;
}

std::vector<Exploration> parse_weft_list(const std::string& text) {
  std::vector<Exploration> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::string t = trim(line);
    if (t.empty()) continue;
    auto sp = t.find_first_of(" \t");
    if (sp == std::string::npos) {
      out.push_back({t, ""});
    } else {
      out.push_back({t.substr(0, sp), trim(t.substr(sp))});
    }
  }
  return out;
}

std::vector<Exploration> list_explorations(const Target& t, const Environment& env,
                                           const std::string& scratch_dir) {
  std::vector<std::string> argv{t.binary};
  argv.insert(argv.end(), t.args.begin(), t.args.end());
  argv.push_back(t.protocol == Protocol::gtest ? "--gtest_list_tests" : "--list");
  Environment e = env;
  e.unset("GTEST_TOTAL_SHARDS");
  e.unset("GTEST_SHARD_INDEX");
  e.unset("GTEST_SHARD_STATUS_FILE");  // the CLI's to touch, not each child's
  const std::string out_path = scratch_dir + "/list.out", err_path = scratch_dir + "/list.err";
  pid_t pid = spawn(argv, e, out_path, err_path);
  ExitStatus st = wait_for(pid);
  std::string out = read_file(out_path), err = read_file(err_path);
  if (!st.success())
    throw UsageError(fmt::format(
        "'{}' could not list its explorations ({} from {}); is it a GoogleTest binary or a "
        "program that answers --list? (--protocol gtest|weft chooses)\n{}",
        t.binary, st.describe(), command_line(argv), last_chars(err.empty() ? out : err, 2000)));
  return t.protocol == Protocol::gtest ? parse_gtest_list(out) : parse_weft_list(out);
}

std::vector<std::string> exploration_argv(const Target& t, const std::string& name) {
  std::vector<std::string> argv{t.binary};
  argv.insert(argv.end(), t.args.begin(), t.args.end());
  if (t.protocol == Protocol::gtest) {
    argv.push_back("--gtest_filter=" + name);
  } else {
    argv.push_back("--only");
    argv.push_back(name);
  }
  return argv;
}

std::string worker_duration(std::uint64_t ms) {
  if (ms <= kMaxUnits) return fmt::format("{}ms", ms);
  if (ms % 1000 == 0 && ms / 1000 <= kMaxUnits) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}m", std::max<std::uint64_t>(1, ms / 60000));
}

Environment worker_environment(const Environment& base, const WorkerRequest& req) {
  Environment e = base;
  for (const char* v : {"WEFT_SEED", "WEFT_FIRST_ITERATION", "WEFT_ITERATIONS", "WEFT_STRATEGY",
                        "WEFT_REPLAY", "WEFT_MINIMIZE", "WEFT_REPORT", "WEFT_TRACE",
                        "WEFT_TIME_BUDGET", "WEFT_DFS_SHARD", "WEFT_PROGRESS", "WEFT_EXPLORATION",
                        "GTEST_TOTAL_SHARDS", "GTEST_SHARD_INDEX", "GTEST_FILTER",
                        "GTEST_SHARD_STATUS_FILE"})
    e.unset(v);
  e.set("WEFT_REPORT", req.report_path);
  if (!req.exploration.empty()) e.set("WEFT_EXPLORATION", req.exploration);
  if (!req.replay.empty()) {
    e.set(req.minimize ? "WEFT_MINIMIZE" : "WEFT_REPLAY", req.replay);
    if (req.minimize_replays)
      e.set("WEFT_MINIMIZE_REPLAYS", std::to_string(*req.minimize_replays));
    if (!req.trace_path.empty()) e.set("WEFT_TRACE", req.trace_path);
    return e;
  }
  e.set("WEFT_STRATEGY", req.strategy);
  e.set("WEFT_SEED", std::to_string(req.seed));
  e.set("WEFT_FIRST_ITERATION", std::to_string(req.first));
  e.set("WEFT_ITERATIONS", std::to_string(req.count));
  // The runtime takes at most 10^9 of a unit: a budget past 10^9 ms (11.6 days) goes in
  // whole minutes (the CLI stops starting workers at the budget itself).
  if (req.time_budget_ms)
    e.set("WEFT_TIME_BUDGET", worker_duration(*req.time_budget_ms));
  if (!req.dfs_shard.empty()) e.set("WEFT_DFS_SHARD", req.dfs_shard);
  if (!req.progress_path.empty()) e.set("WEFT_PROGRESS", req.progress_path);
  return e;
}

std::string rerun_command(const Target& t, const std::string& name, const std::string& strategy,
                          std::uint64_t seed, std::uint64_t iteration) {
  std::vector<std::string> argv{"WEFT_STRATEGY=" + strategy, fmt::format("WEFT_SEED={}", seed),
                                fmt::format("WEFT_FIRST_ITERATION={}", iteration),
                                "WEFT_ITERATIONS=1"};
  for (std::string& a : exploration_argv(t, name)) argv.push_back(std::move(a));
  return command_line(argv);
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789-_./=:,+@%") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += shell_quote(a);
  }
  return out;
}

}  // namespace weft::cli
