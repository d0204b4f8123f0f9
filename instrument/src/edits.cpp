// edits.cpp — reconciling proposed edits and rendering an instrumented copy (see edits.hpp).
#include "edits.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace weft_instrument {
namespace {

constexpr const char* kMarker = "// weft-instrument: instrumented copy of ";

bool is_insertion(const Edit& e) {
  return e.hook == Hook::frame || e.hook == Hook::bits_this || e.hook == Hook::atomic_free;
}

// Edits that may share one range, from the innermost: a call marker or a thread_local's
// accessor (never on one range: one is a call, the other a name), one access hook, an
// atomic_via around both (`atomic_via(read(p, s1), s2)->load()`).
int layer(Hook h) {
  return h == Hook::call || h == Hook::local ? 0 : h == Hook::atomic_via ? 2 : 1;
}

// Drops edits that claim one range with different hooks, and ranges that cross another.
std::string where(const std::string& file, const Edit& e) {
  return file + ":" + std::to_string(e.line) + ":" + std::to_string(e.column);
}

std::vector<Edit> remove_conflicts(std::vector<Edit> edits, Stats& stats, const std::string& file) {
  std::sort(edits.begin(), edits.end());
  edits.erase(std::unique(edits.begin(), edits.end(),
                          [](const Edit& a, const Edit& b) { return a.key() == b.key(); }),
              edits.end());
  std::vector<bool> drop(edits.size(), false);
  for (std::size_t i = 0; i < edits.size(); ++i) {
    for (std::size_t j = i + 1; j < edits.size(); ++j) {
      const Edit& a = edits[i];
      const Edit& b = edits[j];
      if (a.begin != b.begin || a.end != b.end) break;
      if (!is_insertion(a) && !is_insertion(b) && layer(a.hook) == layer(b.hook))
        drop[i] = drop[j] = true;
    }
  }
  // Crossing ranges: walk them outermost first and keep a stack of the open ones.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < edits.size(); ++i)
    if (!is_insertion(edits[i]) && !drop[i]) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    if (edits[x].begin != edits[y].begin) return edits[x].begin < edits[y].begin;
    return edits[x].end > edits[y].end;
  });
  std::vector<std::size_t> open;
  for (std::size_t i : order) {
    while (!open.empty() && edits[open.back()].end <= edits[i].begin) open.pop_back();
    if (!open.empty() && edits[i].end > edits[open.back()].end) {
      drop[i] = true;
      continue;
    }
    open.push_back(i);
  }
  std::vector<Edit> kept;
  for (std::size_t i = 0; i < edits.size(); ++i) {
    if (drop[i])
      stats.skip(stats.skipped_conflict, where(file, edits[i]),
                 "overlapping rewrites");
    else
      kept.push_back(std::move(edits[i]));
  }
  return kept;
}

std::string site_ref(const RenderInput& in, std::size_t index) {
  return "::" + in.table_name + "[" + std::to_string(index) + "]";
}

const char* open_text(Hook h) {
  switch (h) {
    case Hook::read: return "::weft::instr::read(";
    case Hook::write: return "::weft::instr::write(";
    case Hook::update: return "::weft::instr::update(";
    case Hook::read_elements: return "::weft::instr::read_elements(";
    case Hook::update_elements: return "::weft::instr::update_elements(";
    case Hook::atomic: return "::weft::instr::atomic(";
    case Hook::bits_at: return "::weft_instrument_::bits_at(";
    case Hook::bits_via: return "::weft_instrument_::bits_via(";
    default: return "";
  }
}

std::string bits_args(const Edit& e) {
  return std::to_string(e.bits_offset) + ", " + std::to_string(e.bits_size) + ", " +
         std::to_string(static_cast<int>(e.mode));
}

struct Insertion {
  unsigned offset;
  int phase;         // 0: closing text, 1: opening text, 2: zero-width insertion
  long long order;   // within a phase: closes innermost first, opens outermost first
  std::string text;
};

const char* kBitsHelpers = R"(#ifndef WEFT_INSTRUMENT_BITS_
#define WEFT_INSTRUMENT_BITS_
// Bit-fields have no address: their accesses record the bytes of their memory location.
namespace weft_instrument_ {
inline void bits(const volatile void* obj, unsigned long offset, unsigned long size, int mode,
                 const ::weft::instr::Site& site) {
  if (!::weft::instr::active()) return;
  const volatile char* at = static_cast<const volatile char*>(obj) + offset;
  if (mode != 1) ::weft::instr::read_range(at, size, site);
  if (mode != 0) ::weft::instr::write_range(at, size, site);
}
template <class T>
inline T& bits_at(T& obj, unsigned long offset, unsigned long size, int mode,
                  const ::weft::instr::Site& site) {
  bits(::std::addressof(obj), offset, size, mode, site);
  return obj;
}
template <class T>
inline T* bits_via(T* obj, unsigned long offset, unsigned long size, int mode,
                   const ::weft::instr::Site& site) {
  bits(obj, offset, size, mode, site);
  return obj;
}
}  // namespace weft_instrument_
#endif
)";

const char* kMacroHelpers = R"(#ifndef WEFT_INSTRUMENT_MACRO_
#define WEFT_INSTRUMENT_MACRO_
// An access written in a macro body is reported where the macro was expanded (the column
// only where the compiler can say it: Clang's __builtin_COLUMN, 0 elsewhere).
#if defined(__clang__)
#define WEFT_INSTRUMENT_COLUMN_ __builtin_COLUMN()
#else
#define WEFT_INSTRUMENT_COLUMN_ 0u
#endif
namespace weft_instrument_ {
constexpr ::weft::instr::Site in_macro(const ::weft::instr::Site& s, unsigned line,
                                       unsigned column, const char* function) {
  return {s.file, function, line, column};
}
}  // namespace weft_instrument_
#endif
)";

}  // namespace

void EditCollector::begin_instance(unsigned body_key) { ++bodies_[body_key].instances; }

void EditCollector::propose(unsigned body_key, const Edit& e) {
  Body& body = bodies_[body_key];
  Body::Tally& t = body.proposals[e];
  if (t.last == body.instances) return;
  t.last = body.instances;
  ++t.instances;
}

void EditCollector::allow(unsigned body_key, const Edit& e) {
  Body& body = bodies_[body_key];
  Body::Tally& t = body.allowed[e];
  if (t.last == body.instances) return;
  t.last = body.instances;
  ++t.instances;
}

void EditCollector::saw(unsigned body_key, unsigned offset) {
  Body& body = bodies_[body_key];
  Body::Tally& t = body.seen[offset];
  if (t.last == body.instances) return;
  t.last = body.instances;
  ++t.instances;
}

std::vector<Edit> EditCollector::agreed(Stats& stats, const std::string& file) const {
  std::vector<Edit> all;
  for (const auto& [key, body] : bodies_) {
    for (const auto& [edit, tally] : body.proposals) {
      // The instances that contain the edited code vote; insertions at no expression's start
      // (frames) and anything not seen where it was proposed fall back to all instances.
      unsigned voters = body.instances;
      if (auto it = body.seen.find(edit.begin);
          it != body.seen.end() && it->second.instances >= tally.instances)
        voters = it->second.instances;
      unsigned willing = tally.instances;
      if (auto it = body.allowed.find(edit); it != body.allowed.end())
        willing += it->second.instances;
      if (willing >= voters)
        all.push_back(edit);
      else
        stats.skip(stats.skipped_disagreement, where(file, edit),
                   "template instantiations disagree");
    }
  }
  return remove_conflicts(std::move(all), stats, file);
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

bool is_instrumented(const std::string& text) { return text.rfind(kMarker, 0) == 0; }

std::string render(const RenderInput& in) {
  std::vector<Insertion> ins;
  bool uses_bits = false;
  bool uses_atomics = false;
  bool uses_locals = false;
  bool uses_macro = false;
  for (std::size_t i = 0; i < in.edits.size(); ++i) {
    const Edit& e = in.edits[i];
    const std::string site =
        e.macro_body ? "::weft_instrument_::in_macro(" + site_ref(in, i) +
                           ", __LINE__, WEFT_INSTRUMENT_COLUMN_, __builtin_FUNCTION())"
                     : site_ref(in, i);
    uses_macro = uses_macro || e.macro_body;
    const long long len = static_cast<long long>(e.end) - e.begin;
    switch (e.hook) {
      case Hook::frame:
        ins.push_back({e.begin, 2, 0, " ::weft::instr::Frame weft_frame_(" + site + ");"});
        break;
      case Hook::bits_this:
        uses_bits = true;
        ins.push_back({e.begin, 2, 0,
                       "::weft_instrument_::bits_via(this, " + bits_args(e) + ", " + site + ")->"});
        break;
      case Hook::bits_at:
      case Hook::bits_via:
        uses_bits = true;
        ins.push_back({e.begin, 1, -2 * len, open_text(e.hook)});
        ins.push_back({e.end, 0, 2 * len + 1, ", " + bits_args(e) + ", " + site + ")"});
        break;
      case Hook::atomic_free:
        uses_atomics = true;
        ins.push_back({e.begin, 2, 0, e.prefix});
        break;
      case Hook::atomic_via:  // outside any hook wrapping the same range
        uses_atomics = true;
        ins.push_back({e.begin, 1, -2 * len - 1, "::weft::instr::atomic_via("});
        ins.push_back({e.end, 0, 2 * len + 2, ", " + site + ")"});
        break;
      case Hook::local:  // inside any hook wrapping the same range
        uses_locals = true;
        ins.push_back({e.begin, 1, -2 * len + 1, "::weft::instr::goroutine_local("});
        ins.push_back({e.end, 0, 2 * len, ")"});
        break;
      case Hook::call:  // inside any hook wrapping the same range
        ins.push_back({e.begin, 1, -2 * len + 1, "(::weft::instr::Call(" + site + "), "});
        ins.push_back({e.end, 0, 2 * len, ")"});
        break;
      default:
        if (e.hook == Hook::atomic) uses_atomics = true;
        ins.push_back({e.begin, 1, -2 * len, open_text(e.hook)});
        ins.push_back({e.end, 0, 2 * len + 1, ", " + site + ")"});
        break;
    }
  }
  std::stable_sort(ins.begin(), ins.end(), [](const Insertion& a, const Insertion& b) {
    return std::tie(a.offset, a.phase, a.order) < std::tie(b.offset, b.phase, b.order);
  });

  // Where text goes in, by line and column of the original, so that columns the compiler
  // reports for the copy can be translated back (weft::instr::ColumnShift).
  std::vector<unsigned> line_starts{0};
  for (std::size_t i = 0; i < in.text.size(); ++i)
    if (in.text[i] == '\n') line_starts.push_back(static_cast<unsigned>(i + 1));
  auto line_of = [&](unsigned offset) {
    return static_cast<unsigned>(
        std::upper_bound(line_starts.begin(), line_starts.end(), offset) - line_starts.begin());
  };
  std::vector<std::pair<unsigned, unsigned>> inserted;  // (offset, bytes), by offset
  for (const Insertion& i : ins) {
    if (i.text.empty()) continue;
    if (!inserted.empty() && inserted.back().first == i.offset)
      inserted.back().second += static_cast<unsigned>(i.text.size());
    else
      inserted.emplace_back(i.offset, static_cast<unsigned>(i.text.size()));
  }
  // The column of an edit's Site in the copy: its original column plus what was inserted
  // on its line up to and including its own offset.
  auto copy_column = [&](const Edit& e) {
    const unsigned line_begin = line_starts[line_of(e.site_offset) - 1];
    unsigned shift = 0;
    for (auto it = std::lower_bound(inserted.begin(), inserted.end(),
                                    std::make_pair(line_begin, 0u));
         it != inserted.end() && it->first <= e.site_offset; ++it)
      shift += it->second;
    return e.column + shift;
  };

  std::string out = kMarker + in.display_name + "; regenerate, do not edit.\n";
  if (!in.edits.empty()) {
    out += "#include \"weft/instr.hpp\"\n";
    if (uses_atomics) out += "#include \"weft/instr_atomic.hpp\"\n";
    if (uses_locals) out += "#include \"weft/instr_local.hpp\"\n";
    if (uses_bits) out += kBitsHelpers;
    if (uses_macro) out += kMacroHelpers;
    const std::string guard = "WEFT_SITES_" + in.table_name;
    out += "#ifndef " + guard + "\n#define " + guard + "\n";
    out += "inline constexpr ::weft::instr::Site " + in.table_name + "[] = {\n";
    for (const Edit& e : in.edits) {
      out += "    {" + quote(in.display_name) + ", " + quote(e.function) + ", " +
             std::to_string(e.line) + ", " + std::to_string(copy_column(e));
      if (e.hook == Hook::call) out += ", " + quote(e.callee);
      out += "},\n";
    }
    out += "};\n";
    out += "inline constexpr ::weft::instr::ColumnShift " + in.table_name + "columns_[] = {\n";
    for (const auto& [offset, bytes] : inserted) {
      const unsigned line = line_of(offset);
      out += "    {" + std::to_string(line) + ", " +
             std::to_string(offset - line_starts[line - 1] + 1) + ", " + std::to_string(bytes) +
             "},\n";
    }
    out += "};\n";
    out += "static const ::weft::instr::ColumnMap " + in.table_name + "column_map_{" +
           quote(in.display_name) + ", " + in.table_name + "columns_, " +
           std::to_string(inserted.size()) + "};\n";
    out += "#endif\n";
  }
  out += "#line 1 " + quote(in.display_name) + "\n";
  std::size_t pos = 0;
  for (const Insertion& i : ins) {
    out.append(in.text, pos, i.offset - pos);
    out += i.text;
    pos = i.offset;
  }
  out.append(in.text, pos, std::string::npos);
  return out;
}

}  // namespace weft_instrument
