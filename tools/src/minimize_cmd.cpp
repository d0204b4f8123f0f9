// `weft minimize`; see minimize_cmd.hpp.
#include "minimize_cmd.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "explore_cmd.hpp"
#include "outcome.hpp"
#include "process.hpp"

namespace weft::cli {

namespace {

// The failure's "check" object of the worker's weft.explore/1 report (runtime's
// ExploreResult::to_json), or null.
nlohmann::json check_of(const std::string& report_json) {
  nlohmann::json j = nlohmann::json::parse(report_json, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("failure") || !j["failure"].is_object())
    return nullptr;
  return j["failure"].value("check", nlohmann::json());
}

std::string plural(std::uint64_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

int run_minimize(const MinimizeConfig& cfg, std::ostream& out, std::ostream& err) {
  check_token(cfg.token);
  Target t = make_target(cfg.command, cfg.protocol);
  Environment base = Environment::inherited();
  adopt_recorded_settings(base, cfg.token);
  TempDir tmp;
  const std::string name = token_exploration(t, base, tmp.path().string(), cfg.exploration, cfg.token);
  WorkerRequest req;
  req.exploration = name;
  req.replay = cfg.token;
  req.minimize = true;
  req.minimize_replays = cfg.replays;
  req.report_path = (tmp.path() / "minimize.json").string();
  Capture out_capture, err_capture;  // the worker's output, capped (process.hpp)
  InterruptGuard interrupt_guard;
  ExitStatus st = wait_for(spawn(exploration_argv(t, name), worker_environment(base, req),
                                 out_capture, err_capture));
  if (const int sig = interrupted()) {
    fmt::print(err, "weft minimize: interrupted by {}; shrinking was stopped\n", signal_name(sig));
    return kExitUsage;
  }
  const std::string wout = out_capture.text(), werr = err_capture.text();
  if (cfg.show_output) {
    out << wout;
    err << werr;
  }
  const std::string report = read_file(req.report_path);
  WorkerOutcome o = interpret(0, 1, st, report, wout, werr, t.protocol == Protocol::gtest);
  if (o.error) {
    fmt::print(err, "weft minimize: {}{}", *o.error, o.error->ends_with('\n') ? "" : "\n");
    return kExitUsage;
  }
  if (!o.ran_explore) {
    fmt::print(err, "weft minimize: '{}' ran without calling weft::explore, so nothing was "
                    "replayed\n",
               name);
    return kExitUsage;
  }
  if (!o.finding) {
    fmt::print(out, "weft: the schedule of {} ran without failure: there is nothing to shrink\n",
               name);
    return kExitClean;
  }
  const Finding& f = *o.finding;
  if (f.kind == "replay diverged") {
    fmt::print(err, "weft minimize: the token does not fit {}'s schedules (was it made by "
                    "another exploration or another build?)\n\n{}",
               name, f.report);
    return kExitUsage;
  }
  const nlohmann::json check = check_of(report);
  const std::string body = f.report.ends_with('\n') ? f.report : f.report + "\n";
  if (!check.is_object()) {
    // A crash or hang ends the worker inside the replay, before anything can be shrunk.
    fmt::print(out, "weft: {} in the replayed schedule of {}{}; a {} ends the process, so it "
                    "cannot be shrunk\n\n{}\nreplay with: {}\n",
               f.kind, name, f.ended.empty() ? "" : fmt::format(" (the worker ended with {})", f.ended),
               f.kind, body, replay_command(t, name, cfg.token));
    return kExitFindings;
  }
  if (!check.value("deterministic", true)) {
    fmt::print(out, "weft: {} in the replayed schedule of {}, but it did not fail the same way "
                    "when replayed again, so it was not shrunk\n\n{}\nnot reproducible: {}\n",
               f.kind, name, body, check.value("nondeterminism", std::string()));
    return kExitFindings;
  }
  const auto p0 = check.value("preemptions_before", std::uint64_t{0});
  const auto p1 = check.value("preemptions_after", std::uint64_t{0});
  const auto s0 = check.value("steps_before", std::uint64_t{0});
  const auto s1 = check.value("steps_after", std::uint64_t{0});
  const auto replays = check.value("replays", 0u);
  if (check.value("shrunk", false))
    fmt::print(out, "weft: {} in the replayed schedule of {}, shrunk from {} to {} and from {} "
                    "to {} ({})\n\n",
               f.kind, name, plural(p0, "preemption"), p1, plural(s0, "step"), s1,
               plural(replays, "replay"));
  else
    fmt::print(out, "weft: {} in the replayed schedule of {}; no smaller schedule failed the "
                    "same way in {} ({}, {})\n\n",
               f.kind, name, plural(replays, "replay"), plural(p0, "preemption"),
               plural(s0, "step"));
  fmt::print(out, "{}\nshrunk token: {}\nreplay with: {}\n", body, f.token,
             replay_command(t, name, f.token));
  return kExitFindings;
}

}  // namespace weft::cli
