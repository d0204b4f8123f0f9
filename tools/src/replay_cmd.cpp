// `weft list` and `weft replay`.
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <nlohmann/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>

#include "explore_cmd.hpp"
#include "outcome.hpp"
#include "process.hpp"
#include "trace_export.hpp"

namespace weft::cli {

int run_trace_export(const std::string& events_path, const std::string& chrome_path,
                     const std::string& html_path, const std::string& title, std::ostream& out) {
  Trace trace = parse_trace(read_file(events_path), events_path);
  if (!chrome_path.empty()) {
    write_file_whole(chrome_path, chrome_trace(trace, title), "--chrome");
    fmt::print(out, "trace: {}\n", chrome_path);
  }
  if (!html_path.empty()) {
    write_file_whole(html_path, html_timeline(trace, title), "--html");
    fmt::print(out, "trace: {}\n", html_path);
  }
  return kExitClean;
}

int run_list(const std::vector<std::string>& command, const std::string& protocol, bool json,
             std::ostream& out) {
  Target t = make_target(command, protocol);
  TempDir tmp;
  auto all = list_explorations(t, Environment::inherited(), tmp.path().string());
  if (json) {
    nlohmann::ordered_json j;
    j["binary"] = t.binary;
    j["protocol"] = protocol_name(t.protocol);
    auto a = nlohmann::ordered_json::array();
    for (const auto& e : all) a.push_back({{"name", e.name}, {"description", e.description}});
    j["explorations"] = std::move(a);
    out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
    return kExitClean;
  }
  std::size_t width = 0;
  for (const auto& e : all) width = std::max(width, e.name.size());
  for (const auto& e : all) {
    if (e.description.empty())
      fmt::print(out, "{}\n", e.name);
    else
      fmt::print(out, "{:<{}}  {}\n", e.name, width, e.description);
  }
  return kExitClean;
}

void check_token(const std::string& token) {
  if (token.rfind("w1-", 0) != 0 && token.rfind("w2-", 0) != 0 && token.rfind("w3-", 0) != 0)
    throw UsageError(fmt::format("'{}' is not a replay token: tokens start with w3-, w2- or w1- "
                                 "(copy it from a report's 'replay with:' line)",
                                 token));
}

std::uint32_t test_fingerprint(std::string_view name) {
  if (name.empty()) return 0;
  std::uint32_t h = 2166136261u;  // 32-bit FNV-1a, as runtime/src/schedule.cpp
  for (unsigned char c : name) {
    h ^= c;
    h *= 16777619u;
  }
  return h == 0 ? 1 : h;
}

namespace {

// What a version 3 token's fingerprint says (runtime/src/schedule.hpp), or zeros.
struct TokenHeader {
  std::uint32_t space = 0;  // the kSpace* bits
  std::uint32_t test = 0;
};

TokenHeader token_header(const std::string& token) {
  if (token.rfind("w3-", 0) != 0) return {};
  std::vector<std::uint8_t> bytes;  // the header's first bytes: two varints and 4 bytes
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 3; i < token.size() && bytes.size() < 32; ++i) {
    const char c = token[i];
    const int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                  : c >= 'a' && c <= 'z' ? c - 'a' + 26
                  : c >= '0' && c <= '9' ? c - '0' + 52
                  : c == '-'             ? 62
                  : c == '_'             ? 63
                                         : -1;
    if (v < 0) return {};
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  std::size_t at = 0;
  std::uint32_t space = 0;
  for (int varint = 0; varint < 2; ++varint) {  // semantics, space
    std::uint32_t value = 0;
    for (int shift = 0; at < bytes.size(); shift += 7) {
      const std::uint8_t b = bytes[at++];
      if (shift < 32) value |= std::uint32_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) break;
    }
    if (varint == 1) space = value;
  }
  if (at > bytes.size() || bytes.size() - at < 4) return {};
  TokenHeader h;
  h.space = space;
  for (int k = 0; k < 4; ++k) h.test |= std::uint32_t{bytes[at + k]} << (8 * k);
  return h;
}

}  // namespace

std::uint32_t token_test(const std::string& token) { return token_header(token).test; }

void adopt_recorded_settings(Environment& env, const std::string& token) {
  const std::uint32_t space = token_header(token).space;  // bits: schedule.hpp's kSpace*
  auto adopt = [&env](const char* var, const char* value) {
    const std::string* set = env.get(var);
    if (set == nullptr || set->empty()) env.set(var, value);
  };
  if (space & 1) adopt("WEFT_SPURIOUS_WAKEUPS", (space & 4) ? "1" : "0");
  if (space & 8) {  // the detector settings are recorded
    adopt("WEFT_DETECT_RACES", (space & 16) ? "1" : "0");
    if (space & 16) adopt("WEFT_LOCK_ORDER", (space & 32) ? "warn" : "fail");
  }
}

std::string token_exploration(const Target& t, const Environment& base, const std::string& dir,
                              const std::string& name, const std::string& token) {
  auto all = list_explorations(t, base, dir);
  // A version 3 token names its test by fingerprint: the exploration it came from is found
  // (or a wrong -e is refused, naming the right one) before anything runs.
  const std::uint32_t test = token_test(token);
  std::vector<std::string> recorded_for;
  if (test != 0)
    for (const Exploration& e : all)
      if (test_fingerprint(e.name) == test) recorded_for.push_back(e.name);
  if (name.empty()) {
    if (recorded_for.size() == 1) return recorded_for.front();
    if (all.size() != 1)
      throw UsageError(fmt::format("'{}' has {} explorations; name the one the token came from "
                                   "with -e NAME (see: weft list -- {})",
                                   t.binary, all.size(), command_line({t.binary})));
    return all.front().name;
  }
  if (std::none_of(all.begin(), all.end(), [&](const Exploration& e) { return e.name == name; }))
    throw UsageError(fmt::format("'{}' has no exploration named '{}'; see: weft list -- {}",
                                 t.binary, name, command_line({t.binary})));
  if (test != 0 && test_fingerprint(name) != test) {
    if (recorded_for.size() == 1)
      throw UsageError(fmt::format("this token was recorded for '{}', not '{}': replay it with -e {}",
                                   recorded_for.front(), name, shell_quote(recorded_for.front())));
    throw UsageError(fmt::format("this token was recorded for another test (fingerprint {:08x}), "
                                 "not '{}', and '{}' has no exploration of that fingerprint: was "
                                 "it recorded with another binary?",
                                 test, name, t.binary));
  }
  return name;
}

int run_replay(const ReplayConfig& cfg, std::ostream& out, std::ostream& err) {
  check_token(cfg.token);
  Target t = make_target(cfg.command, cfg.protocol);
  Environment base = Environment::inherited();
  adopt_recorded_settings(base, cfg.token);
  TempDir tmp;
  const std::string name = token_exploration(t, base, tmp.path().string(), cfg.exploration, cfg.token);
  WorkerRequest req;
  req.exploration = name;
  req.replay = cfg.token;
  req.report_path = (tmp.path() / "replay.json").string();
  const bool tracing = !cfg.trace_path.empty() || !cfg.html_path.empty() || !cfg.events_path.empty();
  const std::string events =
      !cfg.events_path.empty() ? cfg.events_path : (tmp.path() / "trace.jsonl").string();
  if (tracing) req.trace_path = events;
  Capture out_capture, err_capture;  // the worker's output, capped (process.hpp)
  InterruptGuard interrupt_guard;
  ExitStatus st = wait_for(spawn(exploration_argv(t, name), worker_environment(base, req),
                                 out_capture, err_capture));
  if (const int sig = interrupted()) {
    fmt::print(err, "weft replay: interrupted by {}; the replay was stopped\n", signal_name(sig));
    return kExitUsage;
  }
  const std::string wout = out_capture.text(), werr = err_capture.text();
  if (cfg.show_output) {
    out << wout;
    err << werr;
  }
  WorkerOutcome o = interpret(0, 1, st, read_file(req.report_path), wout, werr,
                              t.protocol == Protocol::gtest);
  // The trace first: a crashed replay still leaves the events up to the crash. A trace that
  // cannot be written (a full disk) is said after the report, which is never lost to it.
  std::vector<std::string> written, write_errors;
  auto write = [&](const std::string& path, const std::string& text, const char* flag) {
    try {
      write_file_whole(path, text, flag);
      written.push_back(path);
    } catch (const UsageError& e) {
      write_errors.push_back(e.what());
    }
  };
  if (tracing && !o.error && std::filesystem::exists(events)) try {
    Trace trace = parse_trace(read_file(events), events);
    if (o.finding && trace.report.empty()) {
      trace.failure = o.finding->kind;
      trace.report = o.finding->report;
      trace.ok = false;
    }
    const std::string title = fmt::format("weft replay of {} ({})", name, cfg.token);
    if (!cfg.trace_path.empty()) write(cfg.trace_path, chrome_trace(trace, title), "--trace");
    if (!cfg.html_path.empty()) write(cfg.html_path, html_timeline(trace, title), "--html");
    if (!cfg.events_path.empty()) written.push_back(cfg.events_path);
  } catch (const UsageError& e) {
    write_errors.push_back(e.what());  // a trace cut short: the report is still printed
  }
  if (o.error) {
    fmt::print(err, "weft replay: {}{}", *o.error, o.error->ends_with('\n') ? "" : "\n");
    return kExitUsage;
  }
  if (!o.ran_explore) {
    fmt::print(err, "weft replay: '{}' ran without calling weft::explore, so nothing was replayed\n",
               name);
    return kExitUsage;
  }
  auto said_write_errors = [&] {
    for (const auto& e : write_errors) fmt::print(err, "weft replay: {}\n", e);
    return !write_errors.empty();
  };
  if (!o.finding) {
    fmt::print(out, "weft: the replayed schedule of {} ran without failure\n", name);
    for (const auto& w : written) fmt::print(out, "trace: {}\n", w);
    return said_write_errors() ? kExitUsage : kExitClean;
  }
  const Finding& f = *o.finding;
  if (f.kind == "replay diverged") {
    fmt::print(err, "weft replay: the token does not fit {}'s schedules (was it made by another "
                    "exploration or another build?)\n\n{}",
               name, f.report);
    return kExitUsage;
  }
  fmt::print(out, "weft: {} in the replayed schedule of {}{}\n\n{}", f.kind, name,
             f.ended.empty() ? "" : fmt::format(" (the worker ended with {})", f.ended), f.report);
  if (!f.report.ends_with('\n')) out << '\n';
  for (const auto& w : written) fmt::print(out, "\ntrace: {}", w);
  if (!written.empty()) out << '\n';
  out.flush();
  return said_write_errors() ? kExitUsage : kExitFindings;
}

}  // namespace weft::cli
