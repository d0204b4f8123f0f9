// weft-instrument: instrumented copy of members.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_6eaaf998369ea519_
#define WEFT_SITES_weft_sites_6eaaf998369ea519_
inline constexpr ::weft::instr::Site weft_sites_6eaaf998369ea519_[] = {
    {"members.cpp", "Counter::Counter", 14, 73},
    {"members.cpp", "Counter::Counter", 14, 142},
    {"members.cpp", "Counter::Counter", 14, 187},
    {"members.cpp", "Counter::hit", 15, 14},
    {"members.cpp", "Counter::hit", 15, 109},
    {"members.cpp", "Counter::miss", 16, 15},
    {"members.cpp", "Counter::miss", 16, 108},
    {"members.cpp", "Counter::ratio", 17, 21},
    {"members.cpp", "Counter::ratio", 17, 119},
    {"members.cpp", "Counter::ratio", 17, 183},
    {"members.cpp", "Counter::move_to", 18, 32},
    {"members.cpp", "Counter::move_to", 18, 125},
    {"members.cpp", "Counter::move_to", 18, 190},
    {"members.cpp", "use", 23, 34},
    {"members.cpp", "use", 24, 61, "Counter::hit"},
    {"members.cpp", "use", 25, 61, "Counter::miss"},
    {"members.cpp", "use", 26, 36},
    {"members.cpp", "use", 27, 24},
    {"members.cpp", "use", 28, 30},
    {"members.cpp", "use", 28, 96},
    {"members.cpp", "Defaults::Defaults", 33, 42},
    {"members.cpp", "Defaults::Defaults", 34, 33},
    {"members.cpp", "Defaults::Defaults", 35, 32},
    {"members.cpp", "Boxed::Boxed", 41, 35},
    {"members.cpp", "Limits::Limits", 49, 33},
    {"members.cpp", "defaults", 54, 16},
    {"members.cpp", "defaults", 56, 83},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_6eaaf998369ea519_columns_[] = {
    {14, 53, 20},
    {14, 57, 36},
    {14, 66, 20},
    {14, 70, 36},
    {14, 76, 69},
    {15, 15, 69},
    {15, 18, 22},
    {15, 22, 36},
    {16, 16, 69},
    {16, 17, 22},
    {16, 29, 36},
    {17, 22, 69},
    {17, 30, 20},
    {17, 34, 36},
    {17, 38, 20},
    {17, 44, 36},
    {18, 33, 70},
    {18, 34, 21},
    {18, 39, 37},
    {18, 42, 20},
    {18, 43, 37},
    {23, 35, 70},
    {24, 3, 58},
    {24, 10, 1},
    {25, 3, 58},
    {25, 13, 1},
    {26, 16, 20},
    {26, 22, 37},
    {27, 3, 21},
    {27, 9, 37},
    {28, 10, 20},
    {28, 16, 37},
    {28, 19, 20},
    {28, 29, 37},
    {33, 22, 20},
    {33, 26, 37},
    {34, 13, 20},
    {34, 17, 37},
    {35, 12, 20},
    {35, 16, 37},
    {41, 15, 20},
    {41, 19, 37},
    {49, 13, 20},
    {49, 16, 37},
    {54, 17, 70},
    {56, 63, 20},
    {56, 79, 37},
};
static const ::weft::instr::ColumnMap weft_sites_6eaaf998369ea519_column_map_{"members.cpp", weft_sites_6eaaf998369ea519_columns_, 47};
#endif
#line 1 "members.cpp"
// Members: through this (written or implicit), through objects, in constructor initialisers
// and default member initialisers, and whole-object copies by defaulted copy operations.
int seed = 1;

struct Point {
  int x = 0;
  int y = 0;
};

struct Counter {
  int hits;
  int misses;
  Point where;
  explicit Counter(int start) : hits(start), misses(::weft::instr::read(seed, ::weft_sites_6eaaf998369ea519_[0])), where{::weft::instr::read(seed, ::weft_sites_6eaaf998369ea519_[1]), 2} { ::weft::instr::Frame weft_frame_(::weft_sites_6eaaf998369ea519_[2]);}
  void hit() { ::weft::instr::Frame weft_frame_(::weft_sites_6eaaf998369ea519_[3]); ++::weft::instr::update(hits, ::weft_sites_6eaaf998369ea519_[4]); }
  void miss() { ::weft::instr::Frame weft_frame_(::weft_sites_6eaaf998369ea519_[5]); ::weft::instr::update(this->misses, ::weft_sites_6eaaf998369ea519_[6]) += 1; }
  int ratio() const { ::weft::instr::Frame weft_frame_(::weft_sites_6eaaf998369ea519_[7]); return ::weft::instr::read(hits, ::weft_sites_6eaaf998369ea519_[8]) / (::weft::instr::read(misses, ::weft_sites_6eaaf998369ea519_[9]) + 1); }
  void move_to(const Point& p) { ::weft::instr::Frame weft_frame_(::weft_sites_6eaaf998369ea519_[10]); ::weft::instr::write(where, ::weft_sites_6eaaf998369ea519_[11]) = ::weft::instr::read(p, ::weft_sites_6eaaf998369ea519_[12]); }
};

Point origin;

int use(Counter& c, Counter* pc) { ::weft::instr::Frame weft_frame_(::weft_sites_6eaaf998369ea519_[13]);
  (::weft::instr::Call(::weft_sites_6eaaf998369ea519_[14]), c.hit());
  (::weft::instr::Call(::weft_sites_6eaaf998369ea519_[15]), pc->miss());
  Point copy = ::weft::instr::read(origin, ::weft_sites_6eaaf998369ea519_[16]);  // reads the whole global object
  ::weft::instr::write(origin, ::weft_sites_6eaaf998369ea519_[17]) = copy;        // writes it
  return ::weft::instr::read(c.hits, ::weft_sites_6eaaf998369ea519_[18]) + ::weft::instr::read(pc->misses, ::weft_sites_6eaaf998369ea519_[19]) + copy.x;
}

// Default member initialisers run in whichever goroutine constructs the object.
struct Defaults {
  int copy_of_seed = ::weft::instr::read(seed, ::weft_sites_6eaaf998369ea519_[20]);
  int twice{::weft::instr::read(seed, ::weft_sites_6eaaf998369ea519_[21]) * 2};
  Point at{::weft::instr::read(seed, ::weft_sites_6eaaf998369ea519_[22]), 0};
  int fixed = 7;  // nothing to record
};

template <class T>
struct Boxed {
  T value = T(::weft::instr::read(seed, ::weft_sites_6eaaf998369ea519_[23]));  // written once, instantiated for int and long: one edit
};
Boxed<int> boxed_int;
Boxed<long> boxed_long;

// Still usable in constant expressions: the hooks do nothing during constant evaluation.
struct Limits {
  int max = 10;
  int min = ::weft::instr::read(max, ::weft_sites_6eaaf998369ea519_[24]) - 10;
};
constexpr Limits limits{};
static_assert(limits.min == 0);

int defaults() { ::weft::instr::Frame weft_frame_(::weft_sites_6eaaf998369ea519_[25]);
  Defaults d;
  return d.copy_of_seed + d.twice + d.at.x + static_cast<int>(::weft::instr::read(boxed_long.value, ::weft_sites_6eaaf998369ea519_[26]));
}
