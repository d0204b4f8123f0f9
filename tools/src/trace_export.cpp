// Trace export; see trace_export.hpp.
#include "trace_export.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "process.hpp"
#include "render.hpp"

namespace weft::cli {

namespace {

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string lane_name(const Trace& t, std::uint64_t g) {
  for (const auto& [id, name] : t.goroutines)
    if (id == g) return name.empty() ? fmt::format("goroutine {}", g) : fmt::format("goroutine {} \"{}\"", g, name);
  return fmt::format("goroutine {}", g);
}

std::string where(const TraceEvent& e) {
  if (e.line == 0) return {};
  return fmt::format("{}:{} in {}", std::filesystem::path(e.file).filename().string(), e.line, e.func);
}

std::string label(const TraceEvent& e) {
  std::string s = e.op;
  if (!e.obj.empty()) s += " " + e.obj;
  if (e.child) s += fmt::format(" -> goroutine {}", *e.child);
  return s;
}

}  // namespace

Trace parse_trace(const std::string& jsonl, const std::string& source) {
  Trace t;
  std::istringstream in(jsonl);
  std::string line;
  std::size_t n = 0;
  std::set<std::uint64_t> seen;
  auto see = [&](std::uint64_t g, const std::string& name) {
    if (g == 0 || !seen.insert(g).second) return;
    t.goroutines.emplace_back(g, name);
  };
  std::map<std::uint64_t, std::string> names;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      if (in.peek() == EOF && !jsonl.ends_with('\n')) break;  // cut off by a crash
      throw UsageError(fmt::format("{}:{}: not a JSON line; is this a weft trace (WEFT_TRACE)?", source, n));
    }
    if (n == 1) {
      if (j.value("schema", "") != "weft.trace/1")
        throw UsageError(fmt::format("{}: not a weft trace (its first line has no \"schema\": "
                                     "\"weft.trace/1\")",
                                     source));
      continue;
    }
    const std::string op = j.value("op", "");
    if (op == "result") {
      t.has_result = true;
      t.ok = j.value("ok", true);
      t.failure = j.value("failure", "");
      t.report = j.value("report", "");
      if (j.contains("locations") && j["locations"].is_array()) {
        t.has_failure_data = true;
        for (const auto& l : j["locations"])
          if (l.is_object())
            t.failure_places.emplace_back(l.value("file", std::string()),
                                          l.value("line", std::uint64_t{0}));
        for (const auto& g : j.value("goroutines", nlohmann::json::array()))
          if (g.is_object() && g.contains("state"))  // dumped (a race's have no state)
            t.failure_goroutines.push_back(g.value("id", std::uint64_t{0}));
      }
      continue;
    }
    TraceEvent e;
    e.i = j.value("i", std::uint64_t{0});
    e.op = op;
    e.g = j.value("g", std::uint64_t{0});
    e.obj = j.value("obj", "");
    e.t = j.value("t", std::int64_t{0});
    e.file = j.value("file", "");
    e.func = j.value("func", "");
    e.line = j.value("line", std::uint64_t{0});
    if (j.contains("from")) e.from = j["from"].get<std::uint64_t>();
    if (j.contains("child")) e.child = j["child"].get<std::uint64_t>();
    e.name = j.value("name", "");
    e.size = j.value("size", std::uint64_t{0});
    if (e.child) names[*e.child] = e.name;
    // The main goroutine is spawned by "goroutine 0": its spawn belongs on its own lane.
    if (e.op == "spawn" && e.g == 0 && e.child) e.g = *e.child;
    see(e.g, names[e.g]);
    if (e.child) see(*e.child, e.name);
    t.events.push_back(std::move(e));
  }
  if (n == 0) throw UsageError(source + ": empty; the replay wrote no trace");
  for (auto& [id, name] : t.goroutines)
    if (name.empty()) name = names[id];
  return t;
}

std::vector<std::size_t> highlighted(const Trace& t) {
  std::vector<std::size_t> out;
  if (t.report.empty() && !t.has_failure_data) return out;
  // The failure's places, and the goroutines it names: where each last was. From the
  // failure's data; a trace of an older weft has only the text ("goroutine 3 [...]:").
  std::vector<SourceLocation> locs;
  std::set<std::uint64_t> named;
  if (t.has_failure_data) {
    for (const auto& [file, line] : t.failure_places) locs.push_back({file, line, 0, {}});
    named.insert(t.failure_goroutines.begin(), t.failure_goroutines.end());
  } else {
    locs = report_locations(t.report);
    static const std::regex dumped(R"(goroutine (\d+)[^\n]*\[[^\]\n]*\]:)");
    for (auto it = std::sregex_iterator(t.report.begin(), t.report.end(), dumped);
         it != std::sregex_iterator(); ++it)
      named.insert(std::stoull((*it)[1]));
  }
  std::set<std::size_t> last;
  for (std::uint64_t g : named) {
    for (std::size_t k = t.events.size(); k-- > 0;)
      if (t.events[k].g == g && t.events[k].op != "end") {
        last.insert(k);
        break;
      }
  }
  for (std::size_t k = 0; k < t.events.size(); ++k) {
    const TraceEvent& e = t.events[k];
    if (last.count(k)) {
      out.push_back(k);
      continue;
    }
    if (e.line == 0) continue;
    for (const auto& l : locs) {
      if (l.line != e.line) continue;
      std::string a = std::filesystem::path(l.file).filename().string();
      std::string b = std::filesystem::path(e.file).filename().string();
      if (a == b) {
        out.push_back(k);
        break;
      }
    }
  }
  return out;
}

std::string chrome_trace(const Trace& t, const std::string& title) {
  using json = nlohmann::ordered_json;
  json events = json::array();
  events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", 1}, {"tid", 0},
                    {"args", {{"name", title}}}});
  for (const auto& [g, _] : t.goroutines) {
    events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", 1}, {"tid", g},
                      {"args", {{"name", lane_name(t, g)}}}});
    events.push_back({{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", 1}, {"tid", g},
                      {"args", {{"sort_index", g}}}});
  }
  auto hl = highlighted(t);
  std::set<std::size_t> hot(hl.begin(), hl.end());
  std::map<std::uint64_t, std::size_t> by_index;
  for (std::size_t k = 0; k < t.events.size(); ++k) by_index[t.events[k].i] = k;
  // One step of the run is one microsecond on the time axis; virtual time is in args.
  for (std::size_t k = 0; k < t.events.size(); ++k) {
    const TraceEvent& e = t.events[k];
    json args{{"step", e.i}, {"virtual_time_ns", e.t}};
    if (!e.obj.empty()) args["object"] = e.obj;
    if (e.line) args["location"] = fmt::format("{}:{} in {}", e.file, e.line, e.func);
    if (hot.count(k)) args["finding"] = t.failure;
    json ev{{"ph", "X"}, {"name", label(e)}, {"cat", hot.count(k) ? "finding" : e.op},
            {"pid", 1}, {"tid", e.g}, {"ts", e.i}, {"dur", 0.8}, {"args", args}};
    if (hot.count(k)) ev["cname"] = "terrible";
    events.push_back(std::move(ev));
  }
  // Flow arrows: release -> acquire (channel messages, unlock -> lock, ...), spawn -> start.
  std::uint64_t flow = 0;
  auto arrow = [&](const TraceEvent& a, std::uint64_t to_g, std::uint64_t to_ts, const char* name) {
    ++flow;
    events.push_back({{"ph", "s"}, {"name", name}, {"cat", "happens-before"}, {"id", flow},
                      {"pid", 1}, {"tid", a.g}, {"ts", a.i}});
    events.push_back({{"ph", "f"}, {"bp", "e"}, {"name", name}, {"cat", "happens-before"},
                      {"id", flow}, {"pid", 1}, {"tid", to_g}, {"ts", to_ts}});
  };
  for (const TraceEvent& e : t.events) {
    if (e.op == "acquire" && e.from) {
      auto it = by_index.find(*e.from);
      if (it != by_index.end() && t.events[it->second].g != e.g)
        arrow(t.events[it->second], e.g, e.i, "happens before");
    }
    if (e.op == "spawn" && e.child && *e.child != e.g) {
      auto first = std::find_if(t.events.begin(), t.events.end(),
                                [&](const TraceEvent& x) { return x.g == *e.child && x.i > e.i; });
      if (first != t.events.end()) arrow(e, *e.child, first->i, "go");
    }
  }
  json out{{"traceEvents", events}, {"displayTimeUnit", "ns"},
           {"otherData", {{"title", title}, {"failure", t.failure}, {"report", t.report}}}};
  return out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

namespace {

// The page's only script (inline; it fetches nothing): once laid out, it measures what the
// browser drew and writes it on <body> as data-drawn-lanes (goroutine lanes with an area),
// data-drawn-events (operation dots inside the drawing) and data-drawn-findings (of those,
// the red ones the report names), so a headless browser's --dump-dom shows whether the
// timeline was drawn (tests/tools/browser_test.cpp). Clicking a dot marks its table row.
constexpr const char* kSelfCheck = R"(
(function () {
  var svg = document.querySelector('svg');
  var box = svg ? svg.getBoundingClientRect() : null;
  function drawn(el) {
    var r = el.getBoundingClientRect();
    return box && r.width > 0 && r.height > 0 && r.left >= box.left - 1 && r.right <= box.right + 1 &&
           r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  }
  function count(sel, extra) {
    var n = 0;
    document.querySelectorAll(sel).forEach(function (el) { if (drawn(el) && (!extra || extra(el))) n++; });
    return n;
  }
  var red = function (el) { return getComputedStyle(el).fill.replace(/\s/g, '') === 'rgb(220,38,38)'; };
  document.body.setAttribute('data-drawn-lanes', count('g.lane rect'));
  document.body.setAttribute('data-drawn-events', count('circle.ev'));
  document.body.setAttribute('data-drawn-findings', count('circle.ev.finding', red));
  var rows = document.querySelectorAll('table tr');
  document.querySelectorAll('circle.ev').forEach(function (c, k) {
    c.addEventListener('click', function () {
      var row = rows[k + 1];
      if (!row) return;
      row.scrollIntoView({block: 'center'});
      row.style.outline = '2px solid #2563eb';
    });
  });
})();
)";

}  // namespace

std::string html_timeline(const Trace& t, const std::string& title) {
  constexpr int kLaneH = 34, kStepW = 16, kLeft = 200, kTop = 30;
  std::map<std::uint64_t, int> lane;
  for (const auto& [g, _] : t.goroutines) lane.emplace(g, static_cast<int>(lane.size()));
  const int width = kLeft + static_cast<int>(t.events.size() + 2) * kStepW;
  const int height = kTop + static_cast<int>(lane.size()) * kLaneH + 10;
  auto hl = highlighted(t);
  std::set<std::size_t> hot(hl.begin(), hl.end());
  std::map<std::uint64_t, std::size_t> col;  // event index "i" -> column
  for (std::size_t k = 0; k < t.events.size(); ++k) col[t.events[k].i] = k;
  auto x_of = [&](std::size_t k) { return kLeft + static_cast<int>(k) * kStepW + kStepW / 2; };
  auto y_of = [&](std::uint64_t g) { return kTop + lane[g] * kLaneH + kLaneH / 2; };
  auto color = [](const std::string& op) {
    if (op == "spawn" || op == "end") return "#6b7280";
    if (op == "acquire") return "#2563eb";
    if (op == "release" || op == "release_store") return "#16a34a";
    if (op == "lock" || op == "try_lock" || op == "unlock") return "#9333ea";
    return "#d97706";  // memory accesses
  };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" "
      "aria-label=\"goroutine lanes over steps\">\n",
      width, height);
  for (const auto& [g, idx] : lane) {
    int y = kTop + idx * kLaneH;
    svg += fmt::format("<g class=\"lane\" data-goroutine=\"{}\"><rect x=\"0\" y=\"{}\" width=\"{}\" "
                       "height=\"{}\" fill=\"{}\"/><text x=\"8\" y=\"{}\">{}</text></g>\n",
                       g, y, width, kLaneH, idx % 2 ? "#f8fafc" : "#eef2f7", y + kLaneH / 2 + 5,
                       html_escape(lane_name(t, g)));
  }
  for (std::size_t k = 0; k < t.events.size(); k += 10)
    svg += fmt::format("<text class=\"step\" x=\"{}\" y=\"{}\">{}</text>\n", x_of(k) - 4, kTop - 10, k);
  // Happens-before edges first, so the events are drawn over them.
  for (std::size_t k = 0; k < t.events.size(); ++k) {
    const TraceEvent& e = t.events[k];
    if (e.op == "acquire" && e.from && col.count(*e.from)) {
      const TraceEvent& from = t.events[col[*e.from]];
      if (from.g == e.g) continue;
      svg += fmt::format("<line class=\"edge\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n",
                         x_of(col[*e.from]), y_of(from.g), x_of(k), y_of(e.g));
    }
    if (e.op == "spawn" && e.child && *e.child != e.g && lane.count(*e.child))
      svg += fmt::format("<line class=\"edge spawn\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n",
                         x_of(k), y_of(e.g), x_of(k), y_of(*e.child));
  }
  for (std::size_t k = 0; k < t.events.size(); ++k) {
    const TraceEvent& e = t.events[k];
    const bool h = hot.count(k) > 0;
    std::string tip = fmt::format("step {}: goroutine {} {}{}{}", e.i, e.g, label(e),
                                  e.line ? " at " + where(e) : std::string(),
                                  e.t ? fmt::format(" (virtual time {} ns)", e.t) : std::string());
    svg += fmt::format("<circle class=\"ev{}\" data-op=\"{}\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\">"
                       "<title>{}</title></circle>\n",
                       h ? " finding" : "", html_escape(e.op), x_of(k), y_of(e.g), h ? 7 : 5,
                       h ? "#dc2626" : color(e.op), html_escape(tip));
  }
  svg += "</svg>\n";

  std::string rows;
  for (std::size_t k = 0; k < t.events.size(); ++k) {
    const TraceEvent& e = t.events[k];
    rows += fmt::format("<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                        hot.count(k) ? " class=\"finding\"" : "", e.i, e.g, html_escape(label(e)),
                        e.t, html_escape(where(e)));
  }
  const std::string verdict = !t.failure.empty() ? t.failure
                              : t.has_result      ? std::string("no failure")
                                                  : std::string("unfinished");
  const std::string ended =
      t.has_result ? "" : " (the process ended before the run did: the last events are where it stopped)";
  return fmt::format(R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{0}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #111827; }}
h1 {{ font-size: 18px; }}
.verdict {{ font-weight: bold; color: {1}; }}
pre {{ background: #f3f4f6; padding: 8px; overflow: auto; max-height: 18em; }}
.scroll {{ overflow-x: auto; border: 1px solid #d1d5db; }}
svg text {{ font: 12px system-ui, sans-serif; fill: #374151; }}
svg .step {{ font-size: 10px; fill: #9ca3af; }}
svg .edge {{ stroke: #2563eb; stroke-width: 1.2; opacity: 0.6; }}
svg .edge.spawn {{ stroke: #6b7280; stroke-dasharray: 3 2; }}
svg .ev.finding {{ stroke: #7f1d1d; stroke-width: 2; }}
table {{ border-collapse: collapse; margin-top: 12px; font-size: 12px; }}
td {{ padding: 1px 8px; border-bottom: 1px solid #e5e7eb; }}
tr.finding td {{ background: #fee2e2; font-weight: bold; }}
</style>
</head>
<body>
<h1>{0}</h1>
<p>Result: <span class="verdict">{2}</span>{8}. {3} events, {4} goroutines. Each lane is a
goroutine, each dot a visible operation in the order the schedule ran them; lines are
happens-before edges (a release to the acquire that follows it, such as a channel message;
dashed: go). Red dots are the operations the report names. Hover a dot for its details.</p>
<div class="scroll">
{5}</div>
<h2>Report</h2>
<pre>{6}</pre>
<h2>Events</h2>
<table>
<tr><th>step</th><th>goroutine</th><th>operation</th><th>virtual ns</th><th>where</th></tr>
{7}</table>
<script>{9}</script>
</body>
</html>
)",
                     html_escape(title), t.failure.empty() && t.has_result ? "#15803d" : "#b91c1c",
                     html_escape(verdict), t.events.size(), lane.size(), svg,
                     html_escape(t.report.empty() ? "(none)" : t.report), rows, ended,
                     kSelfCheck);
}

}  // namespace weft::cli
