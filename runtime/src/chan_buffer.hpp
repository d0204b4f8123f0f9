// A channel's buffer steps (ChanCore::push_buffer and pop_buffer), inline in the operations
// that use them (chan.cpp, select.cpp): one buffered send or receive is a few moves, and a
// call around it was a tenth of a select's cost.
#pragma once

#include "scheduler.hpp"
#include "weft/detail/chan_core.hpp"

namespace weft::detail {

inline void ChanCore::push_buffer(void* elem, G* self) {
  void* s = slot(sendx_);
  if (!hb_unobserved()) slot_sync(self, s);
  move_elem(s, elem);
  sendx_ = next_index(sendx_);
  add_count(1);
}

inline void ChanCore::pop_buffer(void* dst, G* self) {
  void* s = slot(recvx_);
  if (!hb_unobserved()) slot_sync(self, s);
  if (dst) move_elem(dst, s);
  destroy_elem(s);
  recvx_ = next_index(recvx_);
  add_count(static_cast<std::size_t>(-1));
}

}  // namespace weft::detail
