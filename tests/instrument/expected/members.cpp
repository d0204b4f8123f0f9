// weft-instrument: instrumented copy of members.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_6eaaf998369ea519_
#define WEFT_SITES_weft_sites_6eaaf998369ea519_
inline constexpr ::weft::instr::Site weft_sites_6eaaf998369ea519_[] = {
    {"members.cpp", "Counter::Counter", 14, 53},
    {"members.cpp", "Counter::Counter", 14, 66},
    {"members.cpp", "Counter::Counter", 14, 75},
    {"members.cpp", "Counter::hit", 15, 14},
    {"members.cpp", "Counter::hit", 15, 18},
    {"members.cpp", "Counter::miss", 16, 15},
    {"members.cpp", "Counter::miss", 16, 17},
    {"members.cpp", "Counter::ratio", 17, 21},
    {"members.cpp", "Counter::ratio", 17, 30},
    {"members.cpp", "Counter::ratio", 17, 38},
    {"members.cpp", "Counter::move_to", 18, 32},
    {"members.cpp", "Counter::move_to", 18, 34},
    {"members.cpp", "Counter::move_to", 18, 42},
    {"members.cpp", "use", 23, 34},
    {"members.cpp", "use", 24, 3, "Counter::hit"},
    {"members.cpp", "use", 25, 3, "Counter::miss"},
    {"members.cpp", "use", 26, 16},
    {"members.cpp", "use", 27, 3},
    {"members.cpp", "use", 28, 10},
    {"members.cpp", "use", 28, 19},
    {"members.cpp", "Defaults::Defaults", 33, 22},
    {"members.cpp", "Defaults::Defaults", 34, 13},
    {"members.cpp", "Defaults::Defaults", 35, 12},
    {"members.cpp", "Boxed::Boxed", 41, 15},
    {"members.cpp", "Limits::Limits", 49, 13},
    {"members.cpp", "defaults", 54, 16},
    {"members.cpp", "defaults", 56, 63},
};
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
