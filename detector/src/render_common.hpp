// render_common.hpp — what the text and JSON renderings of a report share.
#pragma once

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <string>

namespace weft::det {

// An address as reports print it: 0x and 16 hex digits.
inline std::string hex(std::uintptr_t a) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016" PRIxPTR, a);
  return buf;
}

}  // namespace weft::det
