// edits.hpp — the textual side of instrumentation: what one edit is, how the edits that the
// instantiations of one written function body propose are reconciled, and how the accepted
// edits of one file are rendered into its instrumented copy.
//
// Invariants:
//  - Every edit is an insertion: the original text survives byte for byte, so an lvalue is
//    never repeated (it is evaluated exactly once) and line numbers are unchanged.
//  - Wrapped ranges accepted into one file nest properly (no two ranges cross, no two edits
//    claim the same range with different hooks, except a call marker, which goes inside);
//    offenders are dropped and counted.
//  - An edit inside a template is kept only if every instantiation of that body that contains
//    the edited expression proposed it. An instantiation that does not contain it (the
//    expression is in an `if constexpr` branch it discarded) has no say, and one where the
//    same lvalue is valid to wrap but needs no hook (a by-value parameter that another
//    instantiation takes by reference) accepts it: the hook then records a harmless access.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace weft_instrument {

enum class Hook : std::uint8_t {
  read,         // weft::instr::read(lv, site)
  write,        // weft::instr::write(lv, site)
  update,       // weft::instr::update(lv, site)
  bits_at,      // bit-field through an object: bits_at(obj, offset, size, mode, site).bf
  bits_via,     // bit-field through a pointer: bits_via(ptr, offset, size, mode, site)->bf
  bits_this,    // bit-field through implicit this: bits_via(this, ...)->bf (insertion only)
  frame,        // weft::instr::Frame weft_frame_(site); after a body's '{'
  call,         // (::weft::instr::Call(site), call-expression): the caller's call site
  read_elements,    // weft::instr::read_elements(container, site): a whole-range algorithm
  update_elements,  // weft::instr::update_elements(container, site): one that writes
  atomic,       // weft::instr::atomic(obj, site).op(...): an operation on a std::atomic
  atomic_via,   // weft::instr::atomic_via(ptr, site)->op(...): the same through `->`, around
                // any hook on the pointer expression itself
  atomic_free,  // `::weft::instr::hooked::` before `std::atomic_xxx(` (insertion only; the
                // text inserted depends on how the name is qualified, see `prefix`)
  local,        // weft::instr::goroutine_local(x): a use of a thread_local, inside any hook
                // wrapping the same range
};

// Mode argument of the bit-field helpers (the instrumented copy's prelude defines them).
enum class Mode : std::uint8_t { read = 0, write = 1, update = 2 };

struct Edit {
  unsigned begin = 0;  // file offset of the first byte of the wrapped text
  unsigned end = 0;    // one past its last byte (== begin for frame and bits_this)
  Hook hook = Hook::read;
  Mode mode = Mode::read;      // bit-field hooks only
  unsigned bits_offset = 0;    // bit-field hooks: byte range of the memory location
  unsigned bits_size = 0;
  // Site record, derived from the written (pattern) code, so all instantiations agree.
  std::string function;
  unsigned line = 0;
  unsigned column = 0;
  std::string callee;  // Hook::call: the function called
  std::string prefix;  // Hook::atomic_free: the text inserted
  // In a macro body (the edit is in the #define): the raw location of the body's first token
  // (which macro) and the expansion that proposed it; 0 elsewhere. The Site then takes the
  // line, column and function of each expansion (__builtin_LINE() ...).
  unsigned macro_body = 0;
  unsigned macro_use = 0;
  unsigned site_offset = 0;  // file offset of the spot the Site names (for its copy column)

  auto key() const { return std::tie(begin, end, hook, mode, bits_offset, bits_size); }
  bool operator<(const Edit& o) const { return key() < o.key(); }
};

struct Stats {
  unsigned reads = 0, writes = 0, updates = 0, bitfields = 0, frames = 0, calls = 0;
  unsigned atomics = 0;                    // operations on std::atomic / std::atomic_flag
  unsigned locals = 0;                     // uses of thread_local variables
  unsigned skipped_macro = 0;              // the access spans a macro expansion
  unsigned skipped_system_macro = 0;       // argument of a macro defined in a system header
  unsigned skipped_disagreement = 0;       // instantiations of a template disagreed
  unsigned skipped_conflict = 0;           // overlapping or contradictory edits
  unsigned skipped_bitfield = 0;           // bit-field whose location could not be expressed
  unsigned skipped_atomic_ref = 0;         // an atomic operation weft does not model
  unsigned files_written = 0, files_unchanged = 0;
  // Every access left uninstrumented, once each ("file:line:column" -> why), for the summary
  // line, --explain and --strict. A spot in a template counts once, not per instantiation.
  std::map<std::string, std::string> skipped;
  void skip(unsigned& counter, const std::string& where, const std::string& why) {
    ++counter;
    skipped.emplace(where, why);
  }
};

// Collects the edits proposed by each instantiation of each written body and keeps those
// every instantiation agrees on. A non-template function is simply a body with one instance.
class EditCollector {
 public:
  // Starts one instance of the body whose '{' is at `body_key` (a file offset).
  void begin_instance(unsigned body_key);
  void propose(unsigned body_key, const Edit& e);
  // The current instance could take edit `e` (its lvalue is valid to wrap) but does not need
  // it: it does not stand in the way of instances that do.
  void allow(unsigned body_key, const Edit& e);
  // The current instance of the body contains an expression or statement starting at
  // `offset`: it has a say in the edits that begin there.
  void saw(unsigned body_key, unsigned offset);
  // The agreed edits, sorted by key, with conflicts and crossings removed.
  std::vector<Edit> agreed(Stats& stats, const std::string& file) const;
  bool empty() const { return bodies_.empty(); }

 private:
  struct Body {
    unsigned instances = 0;
    struct Tally {
      unsigned instances = 0;  // how many instances proposed it
      unsigned last = 0;       // the latest of them (a macro argument may repeat an edit)
    };
    std::map<Edit, Tally> proposals;
    std::map<Edit, Tally> allowed;
    std::map<unsigned, Tally> seen;  // by offset: instances containing code that starts there
  };
  std::map<unsigned, Body> bodies_;
};

struct RenderInput {
  std::string text;          // the original file contents
  std::string display_name;  // file name for #line and Site records
  std::string table_name;    // name of the site table, unique per file
  std::vector<Edit> edits;   // agreed edits
};

// The instrumented copy: prelude (hook header, helpers, site table), a #line directive back to
// the original, then the original text with the edits inserted.
std::string render(const RenderInput& in);

// True when `text` already is output of weft-instrument.
bool is_instrumented(const std::string& text);

// A C++ string literal for `s`.
std::string quote(const std::string& s);

}  // namespace weft_instrument
