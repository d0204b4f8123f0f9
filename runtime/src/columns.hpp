// Column translation for instrumented copies (weft::instr::ColumnMap): the one place that
// turns a column the compiler saw in a copy back into the user's column.
#pragma once

#include <cstdint>

#include "weft/events.hpp"

namespace weft::detail {

// The original column of `column` on `line` of `file`, or `column` itself when no
// instrumented copy of that file registered shifts. Async-signal-safe (no allocation, no
// locks), so the crash handler may call it.
std::uint32_t original_column(const char* file, std::uint32_t line,
                              std::uint32_t column) noexcept;

inline Location original(Location l) noexcept {
  l.column = original_column(l.file, l.line, l.column);
  return l;
}

}  // namespace weft::detail
