// weft-instrument: instrumented copy of macros.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_INSTRUMENT_MACRO_
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
#ifndef WEFT_SITES_weft_sites_622c9b51ffd22bf1_
#define WEFT_SITES_weft_sites_622c9b51ffd22bf1_
inline constexpr ::weft::instr::Site weft_sites_622c9b51ffd22bf1_[] = {
    {"macros.cpp", "macros", 10, 41},
    {"macros.cpp", "macros", 13, 44},
    {"macros.cpp", "macros", 23, 14},
    {"macros.cpp", "macros", 24, 38},
    {"macros.cpp", "macros", 26, 28},
    {"macros.cpp", "more", 33, 22},
    {"macros.cpp", "more", 34, 24},
    {"macros.cpp", "more", 35, 32},
    {"macros.cpp", "more", 36, 30},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_622c9b51ffd22bf1_columns_[] = {
    {10, 19, 22},
    {10, 20, 123},
    {13, 22, 22},
    {13, 26, 123},
    {23, 15, 69},
    {24, 18, 20},
    {24, 19, 36},
    {26, 7, 21},
    {26, 8, 36},
    {33, 23, 69},
    {34, 3, 21},
    {34, 11, 36},
    {35, 12, 20},
    {35, 13, 36},
    {36, 10, 20},
    {36, 18, 36},
};
static const ::weft::instr::ColumnMap weft_sites_622c9b51ffd22bf1_column_map_{"macros.cpp", weft_sites_622c9b51ffd22bf1_columns_, 16};
#endif
#line 1 "macros.cpp"
// Macro arguments are rewritten in place; an access written inside the body of a macro of
// the file is rewritten in the #define when every expansion of the macro can take the hook
// (reported at each expansion's line and function), and skipped (and counted) otherwise;
// system macros (assert) are left alone.
#include <cassert>

int g;
int h;
#define SQUARE(x) ((x) * (x))
#define BUMP_G() (::weft::instr::update(g, ::weft_instrument_::in_macro(::weft_sites_622c9b51ffd22bf1_[0], __LINE__, WEFT_INSTRUMENT_COLUMN_, __builtin_FUNCTION()))++)
#define SET(lv, v) ((lv) = (v))
#define FIELD(p) (p)->n
#define ADD_HITS(k) (::weft::instr::update(hits, ::weft_instrument_::in_macro(::weft_sites_622c9b51ffd22bf1_[1], __LINE__, WEFT_INSTRUMENT_COLUMN_, __builtin_FUNCTION())) += (k))
#define RESET_COUNT() (count = 0)

struct Counter {
  int n;
};
int hits;
int count;
int start = RESET_COUNT();  // no function runs here: RESET_COUNT's body stays as written

int macros() { ::weft::instr::Frame weft_frame_(::weft_sites_622c9b51ffd22bf1_[2]);
  int r = SQUARE(::weft::instr::read(g, ::weft_sites_622c9b51ffd22bf1_[3]));
  BUMP_G();
  SET(::weft::instr::write(h, ::weft_sites_622c9b51ffd22bf1_[4]), 3);
  ADD_HITS(2);
  RESET_COUNT();
  assert(g >= 0);
  return r;
}

int more(Counter* c) { ::weft::instr::Frame weft_frame_(::weft_sites_622c9b51ffd22bf1_[5]);
  ::weft::instr::write(FIELD(c), ::weft_sites_622c9b51ffd22bf1_[6]) = 1;
  ADD_HITS(::weft::instr::read(h, ::weft_sites_622c9b51ffd22bf1_[7]));
  return ::weft::instr::read(FIELD(c), ::weft_sites_622c9b51ffd22bf1_[8]);
}
