// The registry behind weft::instr::ColumnMap: a fixed table filled during static
// initialisation (one entry per instrumented copy linked in), read-only afterwards, so
// lookups need neither locks nor allocation.
#include "columns.hpp"

#include <atomic>
#include <cstddef>
#include <cstring>

#include "weft/instr.hpp"

namespace weft::detail {
namespace {

struct Entry {
  const char* file;
  const instr::ColumnShift* shifts;
  std::size_t count;
};

// A program with more instrumented files than this keeps copy columns for the rest.
constexpr std::size_t kMaxFiles = 8192;
Entry entries[kMaxFiles];
std::atomic<std::size_t> used{0};

}  // namespace

std::uint32_t original_column(const char* file, std::uint32_t line,
                              std::uint32_t column) noexcept {
  const std::size_t n = used.load(std::memory_order_acquire);
  if (n == 0 || file == nullptr || line == 0) return column;
  for (std::size_t i = 0; i < n; ++i) {
    const Entry& e = entries[i];
    if (e.file != file && std::strcmp(e.file, file) != 0) continue;
    // Shifts of one line are in column order: subtract every insertion wholly before
    // `column`; a column inside inserted text maps to where the text was inserted.
    std::uint32_t shift = 0;
    for (std::size_t k = 0; k < e.count; ++k) {
      const instr::ColumnShift& s = e.shifts[k];
      if (s.line < line) continue;
      if (s.line > line || column < s.column + shift) break;
      if (column < s.column + shift + s.inserted) return s.column;
      shift += s.inserted;
    }
    return column - shift;
  }
  return column;
}

}  // namespace weft::detail

namespace weft::instr {

ColumnMap::ColumnMap(const char* file, const ColumnShift* shifts, std::size_t count) noexcept {
  using ::weft::detail::entries;
  using ::weft::detail::used;
  if (count == 0) return;
  // A header's copy is included by several translation units: register it once.
  const std::size_t n = used.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i)
    if (entries[i].shifts == shifts || std::strcmp(entries[i].file, file) == 0) return;
  if (n == ::weft::detail::kMaxFiles) return;
  entries[n] = {file, shifts, count};
  used.store(n + 1, std::memory_order_release);
}

}  // namespace weft::instr
