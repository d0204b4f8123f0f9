// render_json.cpp — reports as JSON; the schema is documented in detector/REPORTS.md.
#include <weft/detector/report.hpp>

#include <nlohmann/json.hpp>

#include <cinttypes>
#include <cstdio>
#include <unordered_map>

#include "render_common.hpp"

namespace weft::det {
namespace {

using nlohmann::json;

json frames(const std::vector<Loc>& stack) {
  json out = json::array();
  for (const Loc& l : stack) {
    out.push_back({{"function", l.function ? l.function : ""},
                   {"file", l.file ? l.file : ""},
                   {"line", l.line},
                   {"column", l.column}});
  }
  return out;
}

json goroutine(const GoroutineRef& g) {
  return {{"id", g.id},
          {"name", g.name},
          {"parent", g.parent},
          {"created_at", frames(g.created_at)}};
}

json access(const AccessRef& a) {
  json j = {{"access", to_string(a.kind)}, {"goroutine", goroutine(a.goroutine)},
            {"stack", frames(a.stack)}};
  if (is_atomic(a.kind)) j["atomic"] = true;
  return j;
}

json to_json(const Report& r, const RenderOptions& o) {
  json j;
  j["kind"] = to_string(r.kind);
  if (r.kind == ReportKind::data_race) {
    if (o.addresses) j["address"] = hex(r.address);
    j["size"] = r.size;
    j["conflict_offset"] = r.conflict_offset;
    j["current"] = access(r.current);
    j["previous"] = access(r.previous);
    return j;
  }
  std::unordered_map<std::uintptr_t, std::string> names;
  auto name = [&](std::uintptr_t m) {
    auto [it, fresh] = names.try_emplace(m);
    if (fresh) it->second.append("M").append(std::to_string(names.size()));
    return it->second;
  };
  json cycle = json::array();
  for (const LockEdge& e : r.cycle) {
    json edge = {{"held", name(e.held)},
                 {"acquired", name(e.acquired)},
                 {"exclusive", e.exclusive},
                 {"goroutine", goroutine(e.goroutine)},
                 {"held_at", frames(e.held_at)},
                 {"acquired_at", frames(e.acquired_at)}};
    if (o.addresses) {
      edge["held_address"] = hex(e.held);
      edge["acquired_address"] = hex(e.acquired);
    }
    cycle.push_back(std::move(edge));
  }
  j["cycle"] = std::move(cycle);
  return j;
}

}  // namespace

std::string render_json(const Report& report, const RenderOptions& options, int indent) {
  return to_json(report, options).dump(indent, ' ', false, json::error_handler_t::replace);
}

std::string render_json(const std::vector<Report>& reports, const RenderOptions& options,
                        int indent) {
  json all = json::array();
  for (const Report& r : reports) all.push_back(to_json(r, options));
  return json{{"version", 1}, {"reports", std::move(all)}}.dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace weft::det
