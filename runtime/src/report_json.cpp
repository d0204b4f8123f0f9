// Failures as JSON; see report_json.hpp.
#include "report_json.hpp"

namespace weft::detail {

namespace {
using json = nlohmann::ordered_json;

json frame(const Location& l) {
  return {{"function", l.function ? l.function : ""},
          {"file", l.file ? l.file : ""},
          {"line", l.line},
          {"column", l.column}};
}

json goroutine(const FailureGoroutine& g) {
  json j;
  j["id"] = g.id;
  j["name"] = g.name;
  if (!g.state.empty()) j["state"] = g.state;
  if (!g.wait.empty()) j["wait"] = g.wait;
  if (!g.state.empty()) j["stack"] = frames_json(g.stack);
  j["parent"] = g.parent;
  j["created_at"] = frames_json(g.created_at);
  if (!g.state.empty()) {
    json locks = json::array();
    for (const FailureLock& l : g.locks)
      locks.push_back({{"mutex", l.mutex},
                       {"exclusive", l.exclusive},
                       {"acquired_at", frames_json(l.acquired_at)}});
    j["locks"] = std::move(locks);
  }
  if (!g.channel_created_at.empty()) j["channel_created_at"] = frames_json(g.channel_created_at);
  if (!g.select_waits.empty()) {
    json waits = json::array();
    for (const FailureGoroutine::SelectWait& w : g.select_waits)
      waits.push_back({{"op", w.send ? "send" : "receive"},
                       {"channel_created_at", frames_json({w.channel_created_at})}});
    j["select_waits"] = std::move(waits);
  }
  if (!g.waits_for_mutex.empty()) {
    j["waits_for_mutex"] = g.waits_for_mutex;
    j["mutex_held_by"] = g.mutex_held_by;
  }
  return j;
}
}  // namespace

json frames_json(const std::vector<Location>& frames) {
  json out = json::array();
  for (const Location& l : frames) out.push_back(frame(l));
  return out;
}

void add_failure_fields(json& j, const Failure& f) {
  j["message"] = f.message;
  j["locations"] = frames_json(f.locations);
  json gs = json::array();
  for (const FailureGoroutine& g : f.goroutines) gs.push_back(goroutine(g));
  j["goroutines"] = std::move(gs);
  if (f.goroutines_omitted > 0) j["goroutines_omitted"] = f.goroutines_omitted;
  if (!f.accesses.empty()) {
    json as = json::array();
    for (const FailureAccess& a : f.accesses) {
      json o{{"access", a.access}, {"goroutine", a.goroutine}, {"stack", frames_json(a.stack)}};
      if (a.size > 0) o["size"] = a.size;
      if (a.atomic) o["atomic"] = true;
      as.push_back(std::move(o));
    }
    j["accesses"] = std::move(as);
  }
  if (!f.cycle.empty()) {
    json cs = json::array();
    for (const FailureLockEdge& e : f.cycle)
      cs.push_back({{"held", e.held},
                    {"acquired", e.acquired},
                    {"exclusive", e.exclusive},
                    {"goroutine", e.goroutine},
                    {"held_at", frames_json(e.held_at)},
                    {"acquired_at", frames_json(e.acquired_at)}});
    j["cycle"] = std::move(cs);
  }
}

}  // namespace weft::detail
