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
    {"members.cpp", "use", 26, 16},
    {"members.cpp", "use", 27, 3},
    {"members.cpp", "use", 28, 10},
    {"members.cpp", "use", 28, 19},
};
#endif
#line 1 "members.cpp"
// Members: through this (written or implicit), through objects, in constructor initialisers,
// and whole-object copies by defaulted copy operations.
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
  c.hit();
  pc->miss();
  Point copy = ::weft::instr::read(origin, ::weft_sites_6eaaf998369ea519_[14]);  // reads the whole global object
  ::weft::instr::write(origin, ::weft_sites_6eaaf998369ea519_[15]) = copy;        // writes it
  return ::weft::instr::read(c.hits, ::weft_sites_6eaaf998369ea519_[16]) + ::weft::instr::read(pc->misses, ::weft_sites_6eaaf998369ea519_[17]) + copy.x;
}
