// weft-instrument: instrumented copy of multi/second.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_5acfdb092c5e38d2_
#define WEFT_SITES_weft_sites_5acfdb092c5e38d2_
inline constexpr ::weft::instr::Site weft_sites_5acfdb092c5e38d2_[] = {
    {"multi/second.cpp", "second", 3, 28},
};
#endif
#line 1 "multi/second.cpp"
#include "shared.hpp"

long second(const long* p) { ::weft::instr::Frame weft_frame_(::weft_sites_5acfdb092c5e38d2_[0]);
  add_shared(2);
  return load(p);
}
