// render_text.cpp — reports as text blocks in the spirit of Go's "WARNING: DATA RACE".
// Without RenderOptions::addresses the output depends only on the event sequence, so replays
// of one schedule print byte-identical reports.
#include <weft/detector/report.hpp>

#include <cinttypes>
#include <cstdio>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "render_common.hpp"

namespace weft::det {
namespace {

constexpr const char* kRule = "==================\n";

// add(out, a, b, ...) appends strings and numbers (building with operator+ trips a GCC 12
// -Wrestrict false positive).
void add(std::string&) {}
template <class T, class... Rest>
void add(std::string& out, const T& first, const Rest&... rest) {
  if constexpr (std::is_integral_v<T>) {
    out += std::to_string(first);
  } else {
    out += first;
  }
  add(out, rest...);
}

const char* or_unknown(const char* s) { return s != nullptr && *s != '\0' ? s : "??"; }

void frames(std::string& out, const std::vector<Loc>& stack) {
  if (stack.empty()) {
    out += "  <no frames>\n";
    return;
  }
  for (const Loc& l : stack) {
    out += "  ";
    out += or_unknown(l.function);
    if (l.line == 0 && (l.file == nullptr || *l.file == '\0')) {
      out += '\n';  // a place known only by what it is (a std call built without -g)
      continue;
    }
    out += "\n      ";
    out += or_unknown(l.file);
    add(out, ":", l.line, ":", l.column, "\n");
  }
}

std::string who(const GoroutineRef& g) {
  std::string s;
  add(s, "goroutine ", g.id);
  if (!g.name.empty()) add(s, " (\"", g.name, "\")");
  return s;
}

std::string capitalised(Access a) {
  const char* what = "Access";
  switch (plain(a)) {
    case Access::read: what = is_atomic(a) ? "read" : "Read"; break;
    case Access::write: what = is_atomic(a) ? "write" : "Write"; break;
    case Access::update: what = is_atomic(a) ? "read-modify-write" : "Read-modify-write"; break;
    default: break;
  }
  return is_atomic(a) ? std::string("Atomic ") + what : std::string(what);
}

std::string lower(Access a) {
  std::string s = capitalised(a);
  s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

bool has_site(const GoroutineRef& g) {
  return !g.created_at.empty() &&
         (g.created_at.front().line != 0 || *or_unknown(g.created_at.front().file) != '?');
}

// "Goroutine N created by goroutine P at:" sections ("created at:" for a root goroutine with a
// site), once per distinct goroutine, in order of appearance.
void creation_sections(std::string& out, const std::vector<const GoroutineRef*>& gs) {
  std::vector<const GoroutineRef*> done;
  for (const GoroutineRef* g : gs) {
    bool seen = false;
    for (const GoroutineRef* d : done) {
      seen = seen || (d->id == g->id && d->name == g->name);
    }
    if (seen) continue;
    done.push_back(g);
    std::string w = who(*g);
    w[0] = 'G';
    out += '\n';
    if (g->parent != 0) {
      add(out, w, " created by goroutine ", g->parent, " at:\n");
      frames(out, g->created_at);
    } else if (has_site(*g)) {
      out += w + " created at:\n";
      frames(out, g->created_at);
    } else {
      out += w + " is a root goroutine.\n";
    }
  }
}

void render_race(std::string& out, const Report& r, const RenderOptions& o) {
  out += "WARNING: DATA RACE\n";
  add(out, capitalised(r.current.kind), " of size ", r.size);
  if (o.addresses) add(out, " at ", hex(r.address));
  add(out, " by ", who(r.current.goroutine));
  if (r.conflict_offset != 0) {
    add(out, " (first conflicting byte at offset ", r.conflict_offset, ")");
  }
  out += ":\n";
  frames(out, r.current.stack);
  add(out, "\nPrevious ", lower(r.previous.kind));
  if (o.addresses) add(out, " at ", hex(r.address + r.conflict_offset));
  add(out, " by ", who(r.previous.goroutine), ":\n");
  frames(out, r.previous.stack);
  creation_sections(out, {&r.current.goroutine, &r.previous.goroutine});
}

void render_cycle(std::string& out, const Report& r, const RenderOptions& o) {
  // Mutexes are named M1, M2, ... in cycle order, so the text does not depend on addresses.
  std::unordered_map<std::uintptr_t, std::string> names;
  auto name = [&](std::uintptr_t m) -> const std::string& {
    auto [it, fresh] = names.try_emplace(m);
    if (fresh) add(it->second, "M", names.size());
    return it->second;
  };
  out += "WARNING: LOCK-ORDER INVERSION (potential deadlock)\n";
  out += "Cycle in lock order graph:";
  for (const LockEdge& e : r.cycle) {
    add(out, " ", name(e.held));
    if (o.addresses) add(out, " (", hex(e.held), ")");
    out += " =>";
  }
  if (!r.cycle.empty()) add(out, " ", name(r.cycle.front().held));
  out += '\n';
  std::vector<const GoroutineRef*> gs;
  for (const LockEdge& e : r.cycle) {
    add(out, "\nMutex ", name(e.acquired), e.exclusive ? "" : " (shared)", " acquired by ",
        who(e.goroutine), " while holding mutex ", name(e.held), ":\n");
    frames(out, e.acquired_at);
    add(out, "Mutex ", name(e.held), " previously acquired by the same goroutine at:\n");
    frames(out, e.held_at);
    gs.push_back(&e.goroutine);
  }
  creation_sections(out, gs);
}

}  // namespace

const char* to_string(ReportKind kind) noexcept {
  switch (kind) {
    case ReportKind::data_race: return "data race";
    case ReportKind::lock_order_inversion: return "lock-order inversion";
  }
  return "unknown";
}

const char* to_string(Access kind) noexcept {
  switch (plain(kind)) {
    case Access::read: return "read";
    case Access::write: return "write";
    case Access::update: return "update";
    default: break;
  }
  return "unknown";
}

std::string render_text(const Report& report, const RenderOptions& options) {
  std::string out = kRule;
  if (report.kind == ReportKind::data_race) {
    render_race(out, report, options);
  } else {
    render_cycle(out, report, options);
  }
  out += kRule;
  return out;
}

std::string render_text(const std::vector<Report>& reports, const RenderOptions& options) {
  std::string out;
  for (const Report& r : reports) out += render_text(r, options);
  return out;
}

}  // namespace weft::det
