// WEFT_PROGRESS: where a worker process tells the weft CLI which iteration it is in, so
// that a death that leaves no report (SIGKILL from the out-of-memory killer or kill -9,
// which no handler sees) still names its iteration (tools/PROTOCOL.md, section 3).
//
// The file (made by the CLI, 8 bytes) is mapped shared; the word in it is
//   0                       nothing started yet;
//   (i + 1) << 1 | 1        iteration i is running (or being checked and shrunk);
//   (i + 1) << 1            iteration i is over, and no other has started.
// Each change is one store to memory (no system call): the page belongs to the file, so the
// CLI reads the last store after the process is gone, however it went.
//
// Invariants: only the outermost explore() of a process arms it (a nested one leaves it as
// it is); the mapping lives as long as the ProgressSlot.
#pragma once

#include <cstdint>

namespace weft::detail {

class ProgressSlot {
 public:
  // Maps `path` (WEFT_PROGRESS) when it is set and no other explore() has; throws
  // std::invalid_argument naming WEFT_PROGRESS when the file cannot be mapped.
  explicit ProgressSlot(const char* path);
  ~ProgressSlot();
  ProgressSlot(const ProgressSlot&) = delete;
  ProgressSlot& operator=(const ProgressSlot&) = delete;

  void started(std::uint64_t i) noexcept { store((i + 1) << 1 | 1); }
  void finished(std::uint64_t i) noexcept { store((i + 1) << 1); }

 private:
  void store(std::uint64_t v) noexcept;
  std::uint64_t* word_ = nullptr;
};

}  // namespace weft::detail
