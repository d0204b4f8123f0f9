// Rendering; see render.hpp.
#include "render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "process.hpp"

namespace weft::cli {

Format parse_format(const std::string& name) {
  if (name == "text") return Format::text;
  if (name == "json") return Format::json;
  if (name == "sarif") return Format::sarif;
  if (name == "junit") return Format::junit;
  throw UsageError(fmt::format("format '{}' is unknown; use text, json, sarif or junit", name));
}

std::vector<SourceLocation> report_locations(const std::string& report) {
  static const std::regex loc(
      R"(([^\s:()'"]+\.(?:cpp|cc|cxx|c|hpp|hh|hxx|h|ipp|inl)):(\d+)(?::(\d+))?)");
  std::vector<SourceLocation> out;
  std::set<std::pair<std::string, std::uint64_t>> seen;
  for (auto it = std::sregex_iterator(report.begin(), report.end(), loc);
       it != std::sregex_iterator(); ++it) {
    SourceLocation l{(*it)[1], std::stoull((*it)[2]), (*it)[3].matched ? std::stoull((*it)[3]) : 0,
                     {}};
    if (l.line == 0 || !seen.emplace(l.file, l.line).second) continue;
    out.push_back(std::move(l));
  }
  return out;
}

namespace {

std::string ranges_text(const std::vector<Range>& rs) {
  std::string s;
  for (const Range& r : rs) s += fmt::format("{}[{}, {})", s.empty() ? "" : ", ", r.first, r.end);
  return s.empty() ? "none" : s;
}

std::string finding_title(const Finding& f) {
  std::string where = f.iteration ? fmt::format("iteration {} (strategy {}, seed {})",
                                                *f.iteration + 1, f.strategy, f.seed)
                                  : std::string("no iteration (outside the explored schedules)");
  return fmt::format("{} in {}{}", f.kind, where,
                     f.ended.empty() ? "" : fmt::format("; the worker ended with {}", f.ended));
}

std::string rule_id(const std::string& kind) {
  std::string id = "weft/";
  for (char c : kind) id += c == ' ' ? '-' : c;
  return id;
}

std::string file_uri(const std::string& path) {
  std::string out = "file://";
  for (unsigned char c : path) {
    if (std::isalnum(c) || std::strchr("/-_.~", c))
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

// The length of the well-formed UTF-8 sequence at s[i] (Unicode's table 3-7), or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = at(0);
  const std::size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  const unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
  const unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
  if (at(1) < lo || at(1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k)
    if (at(k) < 0x80 || at(k) > 0xBF) return 0;
  return len;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      // A worker's raw output may hold any bytes; an XML reader refuses a file over one that
      // is not UTF-8.
      if (std::size_t len = utf8_length(s, i)) {
        out += s.substr(i, len);
        i += len - 1;
      } else {
        out += "&#xFFFD;";
      }
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 allows no control characters but tab, newline, carriage return.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
          out += fmt::format("&#x{:X};", 0xFFFD);
        else
          out += c;
    }
  }
  return out;
}

}  // namespace

namespace {

// Findings of one exploration that are the same bug: the same kind at the same source lines
// (goroutine ids, iterations and values aside). The text shows each group's first finding
// in full and names the iterations of the rest.
struct Group {
  const Finding* first = nullptr;
  std::vector<const Finding*> more;
};

std::vector<Group> group_findings(const std::vector<Finding>& findings) {
  std::vector<Group> groups;
  std::vector<std::string> keys;
  for (const Finding& f : findings) {
    std::set<std::string> places;  // in any order: which goroutine came first does not matter
    for (const SourceLocation& l : finding_locations(f))
      places.insert(fmt::format("{}:{}", l.file, l.line));
    std::string key = f.kind;
    for (const std::string& p : places) key += "|" + p;
    auto at = std::find(keys.begin(), keys.end(), key);
    if (at == keys.end()) {
      keys.push_back(key);
      groups.push_back({&f, {}});
    } else {
      groups[static_cast<std::size_t>(at - keys.begin())].more.push_back(&f);
    }
  }
  return groups;
}

std::string kinds_text(const std::set<std::string>& kinds) {
  std::string s;
  for (const auto& k : kinds) s += (s.empty() ? "" : " or ") + k;
  return s;
}

// The line for one exploration in the list at the top.
std::string exploration_line(const RunResult& r, const ExplorationResult& e, std::size_t width) {
  const std::uint64_t n = iterations_run(e);
  const std::string its = fmt::format("{} iteration{}", n, n == 1 ? "" : "s");
  const std::size_t count = e.findings.size();
  std::set<std::string> kinds;
  std::size_t fresh = 0;
  for (const auto& f : e.findings) {
    kinds.insert(f.kind);
    fresh += !f.expected.value_or(false);
  }
  std::string found;
  for (const auto& k : kinds) found += (found.empty() ? "" : ", ") + k;
  // An exploration a worker could not run (its errors are listed below, each starting with
  // its name) is not "ok".
  if (count == 0 && std::any_of(r.errors.begin(), r.errors.end(), [&](const std::string& err) {
        return err.rfind(e.name + ": ", 0) == 0;
      }))
    return fmt::format("ERROR {:<{}}  ({}; see the error below)\n", e.name, width, its);
  if (r.expect_file.empty()) {
    if (count == 0) return fmt::format("ok    {:<{}}  ({})\n", e.name, width, its);
    return fmt::format("FAIL  {:<{}}  {} finding{} in {}: {}\n", e.name, width, count,
                       count == 1 ? "" : "s", its, found);
  }
  if (fresh > 0)
    return fmt::format("NEW   {:<{}}  {} unexpected finding{} in {}: {}{}\n", e.name, width, fresh,
                       fresh == 1 ? "" : "s", its, found,
                       e.expected_kinds.empty()
                           ? std::string()
                           : fmt::format(" (expected {})", kinds_text(e.expected_kinds)));
  if (e.missing)
    return fmt::format("MISS  {:<{}}  expected {}, not found in {}\n", e.name, width,
                       kinds_text(e.expected_kinds), its);
  if (count == 0) return fmt::format("ok    {:<{}}  ({})\n", e.name, width, its);
  return fmt::format("ok    {:<{}}  found as expected: {} ({} finding{} in {})\n", e.name, width,
                     found, count, count == 1 ? "" : "s", its);
}

}  // namespace

std::vector<FailureStack> failure_stacks(const Finding& f) {
  std::vector<FailureStack> out;
  auto frames = [](const nlohmann::json& a) {
    std::vector<SourceLocation> fs;
    if (!a.is_array()) return fs;
    for (const auto& l : a)
      if (l.is_object() && l.value("line", std::uint64_t{0}) > 0)
        fs.push_back({l.value("file", std::string()), l.value("line", std::uint64_t{0}),
                      l.value("column", std::uint64_t{0}), l.value("function", std::string())});
    return fs;
  };
  const nlohmann::json& d = f.details;
  if (d.contains("accesses") && d["accesses"].is_array()) {
    std::size_t k = 0;
    for (const auto& a : d["accesses"]) {
      if (!a.is_object()) continue;
      std::string title = fmt::format("{} {}{} by goroutine {}", k++ == 0 ? "current" : "previous",
                                      a.value("atomic", false) ? "atomic " : "",
                                      a.value("access", std::string("access")),
                                      a.value("goroutine", std::uint64_t{0}));
      if (auto fs = frames(a.value("stack", nlohmann::json())); !fs.empty())
        out.push_back({std::move(title), std::move(fs)});
    }
  }
  if (d.contains("cycle") && d["cycle"].is_array())
    for (const auto& e : d["cycle"]) {
      if (!e.is_object()) continue;
      std::string title = fmt::format("goroutine {} locks {} while holding {}",
                                      e.value("goroutine", std::uint64_t{0}),
                                      e.value("acquired", std::string("?")),
                                      e.value("held", std::string("?")));
      if (auto fs = frames(e.value("acquired_at", nlohmann::json())); !fs.empty())
        out.push_back({std::move(title), std::move(fs)});
    }
  if (d.contains("goroutines") && d["goroutines"].is_array() && !d.contains("accesses") &&
      !d.contains("cycle"))
    for (const auto& g : d["goroutines"]) {
      if (!g.is_object()) continue;
      const std::string state = g.value("wait", g.value("state", std::string()));
      std::string title = fmt::format("goroutine {}{}{}", g.value("id", std::uint64_t{0}),
                                      g.value("name", std::string()).empty()
                                          ? std::string()
                                          : fmt::format(" \"{}\"", g.value("name", std::string())),
                                      state.empty() ? std::string() : " [" + state + "]");
      if (auto fs = frames(g.value("stack", nlohmann::json())); !fs.empty())
        out.push_back({std::move(title), std::move(fs)});
    }
  return out;
}

std::string render_text(const RunResult& r) {
  std::string out;
  std::string shard;
  if (r.shard_count > 1) shard = fmt::format(", shard slice {}", ranges_text(r.shards));
  // A test binary's own WEFT_REPORT (weft report FILE) names no binary or protocol.
  const std::string source =
      r.binary.empty() ? std::string("a test binary's WEFT_REPORT")
                       : fmt::format("{} ({})", r.binary, r.protocol.empty() ? "?" : r.protocol);
  out += fmt::format("weft: {}, strategy {}, seed {}, {} iteration{} per exploration{}\n\n",
                     source, r.strategy, r.seed, r.iterations, r.iterations == 1 ? "" : "s",
                     shard);
  std::size_t width = 0;
  for (const auto& e : r.explorations) width = std::max(width, e.name.size());
  for (const auto& e : r.explorations) {
    out += exploration_line(r, e, width);
    for (const auto& note : e.notes) out += fmt::format("      note: {}\n", note);
  }
  for (const auto& e : r.explorations) {
    for (const Group& g : group_findings(e.findings)) {
      const Finding& f = *g.first;
      std::string mark;
      if (f.expected) mark = *f.expected ? " [expected]" : " [NEW: not in the expected findings]";
      out += fmt::format("\n=== {}: {}{}\n\n", e.name, finding_title(f), mark);
      out += f.report;
      if (!f.report.empty() && f.report.back() != '\n') out += '\n';
      if (!f.replay.empty()) out += fmt::format("\nreplay with: {}\n", f.replay);
      if (!f.trace.empty()) out += fmt::format("trace:       {}\n", f.trace);
      if (!g.more.empty()) {
        out += fmt::format("the same {} at the same lines in {} more iteration{} (replay: the "
                           "command above with its token):\n",
                           f.kind, g.more.size(), g.more.size() == 1 ? "" : "s");
        for (const Finding* m : g.more) {
          std::string token = m->token;
          if (token.empty())  // died without writing its schedule: the iteration runs alone
            token = m->iteration && !m->replay.empty()
                        ? fmt::format("(no token; run it again: the command above with "
                                      "WEFT_FIRST_ITERATION={})",
                                      *m->iteration)
                        : "(no token)";
          out += fmt::format("  iteration {}: {}", m->iteration ? std::to_string(*m->iteration + 1) : "?",
                             token);
          if (!m->trace.empty()) out += fmt::format("  trace:       {}", m->trace);
          out += '\n';
        }
      }
    }
  }
  for (const auto& err : r.errors) out += fmt::format("\nerror: {}{}", err, err.ends_with('\n') ? "" : "\n");
  // Workers a signal ended (a crash, or SIGKILL from the out-of-memory killer, a CI timeout
  // or the user), by signal: each is a finding above, which says what it had found before.
  std::map<std::string, std::size_t> by_signal;
  for (const auto& e : r.explorations)
    for (const auto& f : e.findings)
      if (f.ended.rfind("signal ", 0) == 0) ++by_signal[f.ended.substr(7, f.ended.find(' ', 7) - 7)];
  std::string killed;
  for (const auto& [sig, n] : by_signal)
    killed += fmt::format("{} {} worker{} killed by {}", killed.empty() ? ";" : ",", n,
                          n == 1 ? "" : "s", sig);
  out += fmt::format("\nsummary: {} exploration{}, {} finding{}, {} error{} ({:.1f}s){}{}\n",
                     r.explorations.size(), r.explorations.size() == 1 ? "" : "s",
                     r.finding_count(), r.finding_count() == 1 ? "" : "s", r.errors.size(),
                     r.errors.size() == 1 ? "" : "s", r.seconds,
                     r.budget_exhausted ? "; stopped by the time budget" : "", killed);
  if (!r.expect_file.empty()) {
    const std::size_t fresh = r.new_finding_count(), missing = r.missing_count();
    out += fmt::format("expected findings ({}): {} found as expected, {} new, {} missing{} -> {}\n",
                       r.expect_file, r.finding_count() - fresh, fresh, missing,
                       r.missing_judged ? "" : " (missing ones are judged over all shards)",
                       fresh == 0 && missing == 0 && r.errors.empty()
                           ? "as expected"
                           : "NOT AS EXPECTED");
  }
  return out;
}

std::string render_sarif(const RunResult& r, const RenderOptions& opt) {
  using json = nlohmann::ordered_json;
  std::string root = opt.source_root;
  if (!root.empty()) {
    root = std::filesystem::weakly_canonical(root).string();
    if (root.back() != '/') root += '/';
  }
  auto artifact = [&](const std::string& file) {
    if (!root.empty()) {
      if (file.rfind(root, 0) == 0)
        return json{{"uri", file.substr(root.size())}, {"uriBaseId", "SRCROOT"}};
      // A path relative to wherever the compiler ran ("../../src/x.cpp"): the shortest
      // tail of it that names a file under the root.
      if (!file.empty() && file[0] != '/') {
        std::vector<std::filesystem::path> parts;
        for (const auto& p : std::filesystem::path(file).lexically_normal()) parts.push_back(p);
        for (std::size_t i = 0; i < parts.size(); ++i) {
          if (parts[i] == ".." || parts[i] == ".") continue;
          std::filesystem::path tailp;
          for (std::size_t k = i; k < parts.size(); ++k) tailp /= parts[k];
          if (std::filesystem::is_regular_file(std::filesystem::path(root) / tailp))
            return json{{"uri", tailp.generic_string()}, {"uriBaseId", "SRCROOT"}};
        }
      }
    }
    if (!file.empty() && file[0] == '/') return json{{"uri", file_uri(file)}};
    return json{{"uri", file}};
  };
  std::set<std::string> kinds;
  json results = json::array();
  for (const auto& e : r.explorations) {
    for (const auto& f : e.findings) {
      kinds.insert(f.kind);
      json res;
      res["ruleId"] = rule_id(f.kind);
      res["level"] = "error";
      std::string text = fmt::format("{}: {} in {}.", e.name, f.kind,
                                     f.iteration ? fmt::format("iteration {}", *f.iteration + 1)
                                                 : std::string("a worker"));
      if (!f.replay.empty()) text += " Replay with: " + f.replay;
      if (!f.message.empty()) text += "\n" + f.message;
      res["message"] = {{"text", text + "\n\n" + f.report}};
      auto locs = finding_locations(f);
      auto physical = [&](const SourceLocation& l) {
        json region{{"startLine", l.line}};
        if (l.column > 0) region["startColumn"] = l.column;
        json phys{{"physicalLocation", {{"artifactLocation", artifact(l.file)}, {"region", region}}}};
        if (!l.function.empty()) phys["logicalLocations"] = json::array({{{"fullyQualifiedName", l.function}}});
        return phys;
      };
      json locations = json::array(), related = json::array();
      for (std::size_t i = 0; i < locs.size(); ++i) {
        json phys = physical(locs[i]);
        if (i == 0) {
          locations.push_back(std::move(phys));
        } else {
          phys["id"] = i;
          related.push_back(std::move(phys));
        }
      }
      if (!locations.empty()) res["locations"] = std::move(locations);
      if (!related.empty()) res["relatedLocations"] = std::move(related);
      json stacks = json::array();
      for (const FailureStack& st : failure_stacks(f)) {
        json frames = json::array();
        for (const SourceLocation& l : st.frames) frames.push_back({{"location", physical(l)}});
        stacks.push_back({{"message", {{"text", st.title}}}, {"frames", std::move(frames)}});
      }
      if (!stacks.empty()) res["stacks"] = std::move(stacks);
      json props{{"exploration", e.name}, {"strategy", f.strategy}, {"seed", f.seed}};
      if (f.iteration) props["iteration"] = *f.iteration;
      if (!f.token.empty()) props["replayToken"] = f.token;
      res["properties"] = std::move(props);
      if (!f.token.empty()) res["partialFingerprints"] = {{"weftReplayToken/v1", f.token}};
      results.push_back(std::move(res));
    }
  }
  json rules = json::array();
  for (const auto& k : kinds)
    rules.push_back({{"id", rule_id(k)},
                     {"name", k},
                     {"shortDescription", {{"text", "weft found a " + k}}},
                     {"defaultConfiguration", {{"level", "error"}}}});
  json run;
  run["tool"] = {{"driver",
                  {{"name", "weft"},
                   {"version", "0.1.0"},
                   {"informationUri", "https://example.invalid/weft"},
                   {"rules", rules}}}};
  if (!root.empty()) run["originalUriBaseIds"] = {{"SRCROOT", {{"uri", file_uri(root)}}}};
  run["results"] = std::move(results);
  json invocation{{"executionSuccessful", r.errors.empty()}};
  if (!r.errors.empty()) {
    json notes = json::array();
    for (const auto& err : r.errors) notes.push_back({{"level", "error"}, {"message", {{"text", err}}}});
    invocation["toolExecutionNotifications"] = std::move(notes);
  }
  run["invocations"] = json::array({invocation});
  json log;
  log["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  log["version"] = "2.1.0";
  log["runs"] = json::array({run});
  return log.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string render_junit(const RunResult& r) {
  std::size_t failures = 0;
  for (const auto& e : r.explorations) failures += !e.findings.empty();
  const std::string suite = r.binary.empty() ? "weft" : std::filesystem::path(r.binary).filename().string();
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"weft\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3f}\">\n",
                     r.explorations.size() + r.errors.size(), failures, r.errors.size(), r.seconds);
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3f}\">\n",
                     xml_escape(suite), r.explorations.size() + r.errors.size(), failures, r.errors.size(), r.seconds);
  for (const auto& e : r.explorations) {
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\">\n", xml_escape(suite), xml_escape(e.name));
    if (!e.findings.empty()) {
      std::string body;
      for (const auto& f : e.findings) {
        body += finding_title(f) + "\n";
        if (auto locs = finding_locations(f); !locs.empty())
          body += fmt::format("at {}:{}\n", locs.front().file, locs.front().line);
        body += "\n" + f.report;
        if (!f.replay.empty()) body += "\nreplay with: " + f.replay + "\n";
        body += "\n";
      }
      const Finding& first = e.findings.front();
      out += fmt::format("      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                         xml_escape(first.kind),
                         xml_escape(fmt::format("{} finding{}; first: {}{}", e.findings.size(),
                                                e.findings.size() == 1 ? "" : "s", finding_title(first),
                                                first.message.empty() ? "" : ": " + first.message)),
                         xml_escape(body));
    }
    out += fmt::format("      <system-out>{}</system-out>\n",
                       xml_escape(fmt::format("{} iterations explored: {}", iterations_run(e),
                                              ranges_text(e.covered))));
    out += "    </testcase>\n";
  }
  for (const auto& err : r.errors)
    out += fmt::format("    <testcase classname=\"{}\" name=\"weft\">\n      <error message=\"{}\">{}</error>\n    </testcase>\n",
                       xml_escape(suite), xml_escape(err.substr(0, err.find('\n'))), xml_escape(err));
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string render(const RunResult& r, Format f, const RenderOptions& opt) {
  switch (f) {
    case Format::text: return render_text(r);
    case Format::json: return to_json(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    case Format::sarif: return render_sarif(r, opt);
    case Format::junit: return render_junit(r);
  }
  return {};
}

}  // namespace weft::cli
