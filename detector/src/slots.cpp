// slots.cpp — SlotTable: the reuse rule of slots.hpp.
#include "slots.hpp"

#include <algorithm>

namespace weft::det {
namespace {
// Free slots examined per spawn before a new slot is allocated.
constexpr int kProbes = 8;
}  // namespace

SlotTable::Grant SlotTable::allocate(const VectorClock* parent) {
  for (int i = 0; i < kProbes && !free_.empty(); ++i) {
    Slot s = free_.front();
    free_.pop_front();
    const Info& info = slots_[s];
    Clock known = parent ? parent->get(s) : 0;
    if (known >= info.floor) return {s, info.issued + 1};
    free_.push_back(s);  // not yet safe for this parent; try it again later
  }
  slots_.push_back(Info{});
  return {static_cast<Slot>(slots_.size() - 1), 1};
}

void SlotTable::release(Slot s, Clock issued, Clock last_access) {
  Info& info = slots_[s];
  info.issued = std::max(info.issued, issued);
  info.floor = std::max(info.floor, last_access);
  free_.push_back(s);
}

void SlotTable::clear() {
  slots_.clear();
  free_.clear();
}

}  // namespace weft::det
