// weft-instrument: instrumented copy of multi/first.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_4cd814b78f2f0086_
#define WEFT_SITES_weft_sites_4cd814b78f2f0086_
inline constexpr ::weft::instr::Site weft_sites_4cd814b78f2f0086_[] = {
    {"multi/first.cpp", "first", 3, 13},
};
#endif
#line 1 "multi/first.cpp"
#include "shared.hpp"

int first() { ::weft::instr::Frame weft_frame_(::weft_sites_4cd814b78f2f0086_[0]);
  add_shared(1);
  return load(&shared_total);
}
