// weft-instrument: instrumented copy of bitfields.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_INSTRUMENT_BITS_
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
#ifndef WEFT_SITES_weft_sites_531ccf90ce1746f4_
#define WEFT_SITES_weft_sites_531ccf90ce1746f4_
inline constexpr ::weft::instr::Site weft_sites_531ccf90ce1746f4_[] = {
    {"bitfields.cpp", "Flags::arm", 9, 14},
    {"bitfields.cpp", "Flags::arm", 9, 165},
    {"bitfields.cpp", "bitfields", 14, 25},
    {"bitfields.cpp", "bitfields", 15, 31},
    {"bitfields.cpp", "bitfields", 16, 32},
    {"bitfields.cpp", "bitfields", 17, 60, "Flags::arm"},
    {"bitfields.cpp", "bitfields", 20, 38},
    {"bitfields.cpp", "bitfields", 20, 133},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_531ccf90ce1746f4_columns_[] = {
    {9, 15, 69},
    {9, 16, 80},
    {14, 26, 69},
    {15, 3, 28},
    {15, 15, 45},
    {16, 3, 29},
    {16, 4, 46},
    {17, 3, 57},
    {17, 11, 1},
    {20, 10, 28},
    {20, 22, 45},
    {20, 31, 29},
    {20, 32, 45},
};
static const ::weft::instr::ColumnMap weft_sites_531ccf90ce1746f4_column_map_{"bitfields.cpp", weft_sites_531ccf90ce1746f4_columns_, 13};
#endif
#line 1 "bitfields.cpp"
// Bit-fields have no address: accesses record the bytes of their memory location (the run
// of adjacent bit-fields) through the enclosing object, with read_range/write_range.
struct Flags {
  int id;
  unsigned ready : 1;
  unsigned mode : 3;
  int tail;
  unsigned later : 4;
  void arm() { ::weft::instr::Frame weft_frame_(::weft_sites_531ccf90ce1746f4_[0]); ::weft_instrument_::bits_via(this, 4, 1, 1, ::weft_sites_531ccf90ce1746f4_[1])->ready = 1; }
};

Flags global_flags;

int bitfields(Flags* f) { ::weft::instr::Frame weft_frame_(::weft_sites_531ccf90ce1746f4_[2]);
  ::weft_instrument_::bits_at(global_flags, 4, 1, 1, ::weft_sites_531ccf90ce1746f4_[3]).mode = 2;
  ::weft_instrument_::bits_via(f, 12, 1, 2, ::weft_sites_531ccf90ce1746f4_[4])->later++;
  (::weft::instr::Call(::weft_sites_531ccf90ce1746f4_[5]), f->arm());
  Flags mine{};
  mine.mode = 1;          // private: left alone
  return ::weft_instrument_::bits_at(global_flags, 4, 1, 0, ::weft_sites_531ccf90ce1746f4_[6]).ready + ::weft_instrument_::bits_via(f, 4, 1, 0, ::weft_sites_531ccf90ce1746f4_[7])->mode + mine.mode;
}
