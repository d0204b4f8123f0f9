// weft: the command line for exploring, replaying and reporting (tools/PROTOCOL.md).
//
//   weft list    [options] -- ./test-binary [args]
//   weft explore [options] -- ./test-binary [args]
//   weft replay  TOKEN [-e NAME] [--trace FILE] [--html FILE] -- ./test-binary [args]
//   weft minimize TOKEN [-e NAME] [--replays N] -- ./test-binary [args]
//   weft report  FILE.json... [--format text|json|sarif|junit]
//   weft trace   EVENTS.jsonl [--chrome FILE] [--html FILE]
//
// Exit status of every command: 0 no finding, 1 findings, 2 bad usage or an environment
// error (a binary that cannot be run or listed, a malformed WEFT_* variable, ...).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <thread>

#include "expect.hpp"
#include "explore_cmd.hpp"
#include "minimize_cmd.hpp"
#include "process.hpp"
#include "render.hpp"
#include "run_result.hpp"

namespace {

using namespace weft::cli;

// "3/8" -> {3, 8}, with 0 <= K < N.
std::pair<std::uint64_t, std::uint64_t> parse_shard(const std::string& text, const std::string& what) {
  auto slash = text.find('/');
  auto number = [&](std::string_view s) -> std::optional<std::uint64_t> {
    std::uint64_t n = 0;
    if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos ||
        std::from_chars(s.data(), s.data() + s.size(), n).ec != std::errc())
      return std::nullopt;
    return n;
  };
  std::optional<std::uint64_t> k, n;
  if (slash != std::string::npos) {
    k = number(std::string_view(text).substr(0, slash));
    n = number(std::string_view(text).substr(slash + 1));
  }
  if (!k || !n || *n == 0 || *k >= *n)
    throw UsageError(fmt::format("{} '{}' is not a shard: use K/N with 0 <= K < N, such as 0/4 "
                                 "(the first of four), as GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS count",
                                 what, text));
  return {*k, *n};
}

// "10s", "500ms", "2m", "1h" -> milliseconds; every duration flag reads its value here.
// `bare` (--hang-timeout): a bare 0 means off, and a bare number is seconds, as
// WEFT_HANG_TIMEOUT reads it.
std::uint64_t parse_duration(const std::string& text, const std::string& what, bool bare = false,
                             const char* zero_means = "") {
  std::size_t digits = text.find_first_not_of("0123456789");
  if (digits == std::string::npos) digits = text.size();
  std::string unit = text.substr(digits);
  std::uint64_t scale = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : unit == "h" ? 3600000 : 0;
  if (bare && unit.empty()) scale = 1000;
  if (digits == 0 || scale == 0)
    throw UsageError(fmt::format("{} '{}' is not a duration; use a whole number with a unit "
                                 "(ms, s, m or h): 500ms, 30s, 10m, 1h{}",
                                 what, text, zero_means));
  const std::uint64_t most = kMaxUnits * 60000;  // what the workers take: 10^9 minutes
  if (digits > 12 || std::stoull(text.substr(0, digits)) > most / scale)
    throw UsageError(fmt::format("{} '{}' is too long: at most {}m", what, text, kMaxUnits));
  return std::stoull(text.substr(0, digits)) * scale;
}

// The most worker processes -j takes: 16 per core, and at least 64. More than that on one
// machine only thrashes (each worker is a whole test process); --shard spreads a run over
// machines instead.
unsigned max_jobs() { return std::max(64u, 16 * std::max(1u, std::thread::hardware_concurrency())); }

// A whole number from `least` to `most`, or why not.
std::string number_problem(const std::string& s, std::uint64_t least, std::uint64_t most) {
  std::uint64_t n = 0;
  const bool digits = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (!digits)
    return least == 0 ? "must be a whole number" : fmt::format("must be a whole number of at least {}", least);
  if (ec == std::errc::result_out_of_range || n > most)
    return fmt::format("'{}' is too large: at most {}", s, most);
  if (n < least) return fmt::format("must be a whole number of at least {}", least);
  return {};
}

CLI::Validator positive(std::uint64_t most = std::numeric_limits<std::uint64_t>::max()) {
  return CLI::Validator([most](const std::string& s) { return number_problem(s, 1, most); }, "N");
}

// A strategy as WEFT_STRATEGY spells it; the binary's weft checks the parameter's range.
CLI::Validator strategy_name() {
  return CLI::Validator(
      [](const std::string& s) {
        static const std::regex name("(portfolio|random|pos|urw|surw|mutate)|(pct|dfs)(:[0-9]{1,4})?");
        return std::regex_match(s, name)
                   ? std::string()
                   : "'" + s + "' is not a strategy: use portfolio, random, pos, urw, surw, mutate, "
                               "pct, pct:DEPTH, dfs or dfs:BOUND";
      },
      "NAME");
}

// A path option given as '' would silently mean "not given".
CLI::Validator not_empty() {
  return CLI::Validator(
      [](const std::string& s) { return s.empty() ? std::string("the path is empty; give a file or directory name") : std::string(); },
      "");
}

CLI::Validator whole() {
  return CLI::Validator(
      [](const std::string& s) { return number_problem(s, 0, std::numeric_limits<std::uint64_t>::max()); },
      "N");
}

// Each output path given (flag, path) is checked before anything runs.
void check_outputs(std::initializer_list<std::pair<const char*, const std::string*>> outputs) {
  for (const auto& [flag, path] : outputs)
    if (!path->empty())
      if (std::string why = output_path_problem(*path, flag); !why.empty()) throw UsageError(why);
}

constexpr const char* kExitCodes =
    "Exit status: 0 no finding, 1 findings, 2 bad usage or environment error.";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"weft: explore the interleavings of a test binary's weft explorations, replay a "
               "failing schedule, and render reports for people and CI.\n" +
                   std::string(kExitCodes),
               "weft"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "weft 0.1.0");

  // weft list
  auto* list = app.add_subcommand("list", "List the explorations a test binary contains.");
  std::vector<std::string> list_command;
  std::string list_protocol = "auto";
  bool list_json = false;
  list->add_option("--protocol", list_protocol,
                   "how to talk to the binary: gtest (--gtest_list_tests), weft (--list) or auto")
      ->check(CLI::IsMember({"auto", "gtest", "weft"}))
      ->capture_default_str();
  list->add_flag("--json", list_json, "print the list as JSON");
  list->add_option("command", list_command, "-- the test binary and its arguments")->required();

  // weft explore
  ExploreConfig ex;
  ex.jobs = std::max(1u, std::thread::hardware_concurrency());
  std::string shard, time_budget, report_path, format = "text", progress = "auto";
  auto* explore = app.add_subcommand(
      "explore",
      "Explore every exploration of a test binary (or the ones named with -e) in worker "
      "processes, the seed's iterations split between them with no overlap and no gap. A worker "
      "that crashes or hangs is a finding; the iterations after it go on in a fresh worker.\n" +
          std::string(kExitCodes));
  explore->add_option("-n,--iterations", ex.iterations, "iterations per exploration (over all shards)")
      ->check(positive())
      ->capture_default_str();
  explore->add_option("-s,--seed", ex.seed, "seed of the strategy")->check(whole())->capture_default_str();
  explore->add_option("--strategy", ex.strategy,
                      "portfolio, random, pos, surw, urw, mutate, pct[:DEPTH] or dfs[:PREEMPTION BOUND] (WEFT_STRATEGY)")
      ->check(strategy_name())
      ->capture_default_str();
  explore->add_option("-j,--jobs", ex.jobs, "worker processes at once (default: the number of cores; at most 16 per core, "
                      "and at least 64 are allowed)")
      ->check(positive(std::numeric_limits<unsigned>::max()));
  explore->add_option("--shard", shard,
                      "run shard K of N (0 <= K < N): the K-th of N disjoint slices of the "
                      "iterations (dfs: of its search tree); default from "
                      "GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS")
      ->option_text("K/N");
  auto* time_budget_flag = explore->add_option("--time-budget", time_budget, "stop starting new work after this long (500ms, 30s, 10m, 1h)")
      ->option_text("DURATION");
  explore->add_option("--max-findings", ex.max_findings,
                      "findings per exploration before its remaining iterations are skipped")
      ->check(positive())
      ->capture_default_str();
  auto* hang_timeout_flag = explore->add_option("--hang-timeout", ex.hang_timeout,
                      "a worker whose goroutine makes no visible operation this long is a hang "
                      "finding (WEFT_HANG_TIMEOUT: 500ms, 10s, 2m, 1h, a bare number of seconds; 0 = off)")
      ->option_text("DURATION");
  explore->add_option("--max-steps", ex.max_steps,
                      "scheduling steps per iteration before it is a step-limit finding (WEFT_MAX_STEPS)")
      ->check(positive());
  explore->add_option("--batch", ex.batch, "iterations per worker process (default: a few batches per job)")
      ->check(positive());
  explore->add_option("-e,--exploration", ex.only, "explore only this one (repeatable; see weft list)")
      ->option_text("NAME");
  explore->add_option("--protocol", ex.protocol, "gtest, weft or auto")
      ->check(CLI::IsMember({"auto", "gtest", "weft"}))
      ->capture_default_str();
  explore->add_option("--report", report_path, "also write the result as JSON (weft.run/1) to FILE")
      ->option_text("FILE")
      ->check(not_empty());
  explore->add_option("--format", format, "what to print: text, json, sarif or junit")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit"}))
      ->capture_default_str();
  explore->add_option("--progress", progress, "progress line on stderr: auto (when a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  explore->add_option("--trace-dir", ex.trace_dir,
                      "replay each finding once more with tracing and write its HTML timeline to DIR")
      ->option_text("DIR")
      ->check(not_empty());
  std::string expect_path, save_expect_path;
  explore->add_option("--expect", expect_path,
                      "FILE lists the findings the run is meant to have (an exploration per "
                      "line, then its kinds separated by '|'): exit 0 when the findings are "
                      "exactly those, 1 on a new or a missing one")
      ->option_text("FILE")
      ->check(not_empty());
  explore->add_option("--save-expect", save_expect_path,
                      "write the kinds found per exploration to FILE, as --expect reads them "
                      "(a first baseline)")
      ->option_text("FILE")
      ->check(not_empty());
  explore->add_flag("--keep-temp", ex.keep_temp, "keep the workers' output and reports (for debugging weft)");
  explore->add_option("command", ex.command, "-- the test binary and its arguments")->required();

  // weft replay
  ReplayConfig rp;
  auto* replay = app.add_subcommand(
      "replay", "Re-run one schedule of one exploration and print its report.\n" + std::string(kExitCodes));
  replay->add_option("token", rp.token, "the replay token (w2-...) from a report")->required();
  replay->add_option("-e,--exploration", rp.exploration,
                     "the exploration the token came from (needed when the binary has several)")
      ->option_text("NAME");
  replay->add_option("--trace", rp.trace_path,
                     "write the schedule's trace as Chrome trace event JSON (Perfetto, "
                     "chrome://tracing) to FILE")
      ->option_text("FILE")
      ->check(not_empty());
  replay->add_option("--html", rp.html_path,
                     "write the schedule as a self-contained HTML timeline to FILE")
      ->option_text("FILE")
      ->check(not_empty());
  replay->add_option("--events", rp.events_path,
                     "keep the runtime's own trace (weft.trace/1 JSON Lines) in FILE")
      ->option_text("FILE")
      ->check(not_empty());
  replay->add_option("--protocol", rp.protocol, "gtest, weft or auto")
      ->check(CLI::IsMember({"auto", "gtest", "weft"}))
      ->capture_default_str();
  replay->add_flag("--show-output", rp.show_output, "also print the binary's own output");
  replay->add_option("command", rp.command, "-- the test binary and its arguments")->required();

  // weft minimize
  MinimizeConfig mz;
  auto* minimize = app.add_subcommand(
      "minimize",
      "Shrink a failing schedule of one exploration: replay the token, then look for a schedule "
      "with fewer preemptions and steps that fails the same way (kind and source locations), "
      "and print its token and report. The binary's own shrinker does the work "
      "(WEFT_MINIMIZE).\n" + std::string(kExitCodes));
  minimize->add_option("token", mz.token, "the replay token (w2-...) of a failing schedule")->required();
  minimize->add_option("-e,--exploration", mz.exploration,
                       "the exploration the token came from (needed when the binary has several)")
      ->option_text("NAME");
  minimize->add_option("--replays", mz.replays,
                       "the most candidate schedules to run (WEFT_MINIMIZE_REPLAYS; default: the "
                       "binary's, 50)")
      ->check(positive(100000));
  minimize->add_option("--protocol", mz.protocol, "gtest, weft or auto")
      ->check(CLI::IsMember({"auto", "gtest", "weft"}))
      ->capture_default_str();
  minimize->add_flag("--show-output", mz.show_output, "also print the binary's own output");
  minimize->add_option("command", mz.command, "-- the test binary and its arguments")->required();

  // weft report
  std::vector<std::string> report_files;
  std::string report_format = "text", report_out, source_root;
  auto* report = app.add_subcommand(
      "report",
      "Render saved results (weft explore --report, or a WEFT_REPORT file); several files "
      "(the shards of one run) are merged into one result.\n" + std::string(kExitCodes));
  report->add_option("files", report_files, "JSON files (weft.run/1, or a WEFT_REPORT file: weft.explore/1 or weft.explore-runs/1)")
      ->required()
      ->check(CLI::ExistingFile);
  report->add_option("--format", report_format, "text, json, sarif or junit")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit"}))
      ->capture_default_str();
  report->add_option("-o,--output", report_out, "write to FILE instead of stdout")->option_text("FILE")
      ->check(not_empty());
  std::string report_expect;
  report->add_option("--expect", report_expect,
                     "judge the (merged) findings against FILE, as weft explore --expect does")
      ->option_text("FILE")
      ->check(not_empty());
  report->add_option("--source-root", source_root,
                     "SARIF: make source paths under DIR relative to it (uriBaseId SRCROOT)")
      ->option_text("DIR")
      ->check(not_empty());

  const std::set<std::string> commands{"list", "explore", "replay", "minimize", "report", "trace"};
  if (argc >= 2 && argv[1][0] != '-' && !commands.count(argv[1])) {
    std::cerr << fmt::format("weft: unknown command '{}'; use list, explore, replay, minimize, "
                             "report or trace (weft --help)\n",
                             argv[1]);
    return kExitUsage;
  }
  // weft trace
  std::string trace_in, trace_chrome, trace_html;
  auto* trace = app.add_subcommand(
      "trace", "Convert a runtime trace (weft replay --events, or WEFT_TRACE) to Chrome trace "
               "JSON and/or an HTML timeline.");
  trace->add_option("events", trace_in, "the weft.trace/1 file")->required()->check(CLI::ExistingFile);
  trace->add_option("--chrome", trace_chrome, "write Chrome trace event JSON to FILE")->option_text("FILE")
      ->check(not_empty());
  trace->add_option("--html", trace_html, "write the HTML timeline to FILE")->option_text("FILE")
      ->check(not_empty());

  // A weft run by its path (not found on PATH) prints replay commands with that path.
  if (argc > 0 && std::string_view(argv[0]).find('/') != std::string_view::npos)
    weft_command() = argv[0];
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // --help and --version print and succeed
    return code == 0 ? 0 : kExitUsage;
  }

  // The command; then stdout must have taken all it was given (a full disk or a closed pipe
  // would lose the result without a word).
  const int code = [&]() -> int {
    try {
      if (*list) return run_list(list_command, list_protocol, list_json, std::cout);

      if (*explore) {
        if (!shard.empty()) {
          std::tie(ex.shard_index, ex.shard_count) = parse_shard(shard, "--shard");
        } else if (const char* total = std::getenv("GTEST_TOTAL_SHARDS"); total && *total) {
          const char* index = std::getenv("GTEST_SHARD_INDEX");
          std::tie(ex.shard_index, ex.shard_count) = parse_shard(
              fmt::format("{}/{}", index ? index : "", total), "GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS");
          // GoogleTest's protocol: a runner that honours sharding touches this file.
          if (const char* status = std::getenv("GTEST_SHARD_STATUS_FILE"); status && *status)
            if (!std::ofstream(status, std::ios::app))
              throw UsageError(fmt::format("GTEST_SHARD_STATUS_FILE '{}' cannot be written: {}; a "
                                           "runner that shards asks for it to be touched",
                                           status, std::strerror(errno)));
        }
        if (hang_timeout_flag->count() > 0)
          ex.hang_timeout = worker_duration(parse_duration(ex.hang_timeout, "--hang-timeout", true,
                                                           "; 0 turns the watchdog off"));
        if (ex.jobs > max_jobs())
          throw UsageError(fmt::format(
              "-j/--jobs {} is more worker processes than this machine runs usefully: at most {} "
              "here (16 per core, {} core{}; at least 64); each worker is a whole test process. "
              "To use more machines, give each --shard K/N",
              ex.jobs, max_jobs(), std::thread::hardware_concurrency(),
              std::thread::hardware_concurrency() == 1 ? "" : "s"));
        if (time_budget_flag->count() > 0) ex.time_budget_ms = parse_duration(time_budget, "--time-budget");
        ex.progress = progress == "always" || (progress == "auto" && ::isatty(STDERR_FILENO));
        std::optional<Expectations> expectations;
        if (!expect_path.empty()) {
          expectations = read_expectations(expect_path);
          ex.expect = &*expectations;
        }
        check_outputs({{"--report", &report_path}, {"--save-expect", &save_expect_path}});
        RunResult result = run_explore(ex);
        // The findings reach stdout first: a report file that cannot be written (a full disk)
        // loses nothing the run found.
        std::cout << render(result, parse_format(format)) << std::flush;
        int code = result.exit_code();
        auto save = [&](const std::string& path, const char* flag, const std::string& text) {
          if (path.empty()) return;
          try {
            write_file_whole(path, text, flag);
          } catch (const UsageError& e) {
            std::cerr << "weft: " << e.what() << "; the result above is complete\n";
            code = kExitUsage;
          }
        };
        save(report_path, "--report", to_json(result).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
        save(save_expect_path, "--save-expect", expectations_text(result));
        return code;
      }

      if (*replay) {
        check_outputs({{"--trace", &rp.trace_path}, {"--html", &rp.html_path}, {"--events", &rp.events_path}});
        return run_replay(rp, std::cout, std::cerr);
      }

      if (*minimize) return run_minimize(mz, std::cout, std::cerr);

      if (*trace) {
        if (trace_chrome.empty() && trace_html.empty())
          throw UsageError("weft trace: say what to write: --chrome FILE, --html FILE, or both");
        check_outputs({{"--chrome", &trace_chrome}, {"--html", &trace_html}});
        return run_trace_export(trace_in, trace_chrome, trace_html,
                                "weft trace " + std::filesystem::path(trace_in).filename().string(),
                                std::cout);
      }

      if (*report) {
        check_outputs({{"--output", &report_out}});
        std::vector<RunResult> parts;
        for (const auto& file : report_files) {
          std::string text = read_file(file);
          nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
          if (j.is_discarded())
            throw UsageError(fmt::format("{}: not valid JSON; give a file written by weft explore "
                                         "--report or by WEFT_REPORT",
                                         file));
          try {
            parts.push_back(from_json(j, file, std::filesystem::path(file).stem().string()));
          } catch (const nlohmann::json::exception& e) {
            // A field of the wrong type somewhere the reader takes it as it comes.
            throw UsageError(fmt::format("{}: not a weft report this weft can read ({}); give a file "
                                         "written by weft explore --report or by WEFT_REPORT",
                                         file, e.what()));
          }
        }
        RunResult merged = merge(parts);
        if (!report_expect.empty()) judge(merged, read_expectations(report_expect));
        std::string text = render(merged, parse_format(report_format), {source_root});
        if (report_out.empty())
          std::cout << text;
        else
          write_file_whole(report_out, text, "--output");
        return merged.exit_code();
      }
    } catch (const UsageError& e) {
      std::string msg = e.what();
      std::cerr << "weft: " << msg << (msg.ends_with('\n') ? "" : "\n");
      return kExitUsage;
    } catch (const std::exception& e) {
      // Nothing else should get here; if it does, a message and exit 2, not an abort.
      std::cerr << "weft: internal error: " << e.what() << "\n";
      return kExitUsage;
    }
    return kExitUsage;
  }();
  if (!std::cout.flush()) {
    std::cerr << "weft: the output could not be written to stdout (a full disk, or a closed "
                 "pipe?); nothing printed can be trusted\n";
    return kExitUsage;
  }
  return code;
}
