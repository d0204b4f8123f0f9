// The WEFT_PROGRESS word; see progress.hpp.
#include "progress.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace weft::detail {

namespace {
std::atomic<bool> progress_armed{false};
}  // namespace

ProgressSlot::ProgressSlot(const char* path) {
  if (!path || !*path || progress_armed.exchange(true)) return;
  const int fd = ::open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  struct stat st {};
  std::string why;
  if (fd < 0) {
    why = std::strerror(errno);
  } else if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 8) {
    why = "not a regular file of at least 8 bytes";
  } else {
    void* p = ::mmap(nullptr, 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) why = std::strerror(errno);
    else word_ = static_cast<std::uint64_t*>(p);
  }
  if (fd >= 0) ::close(fd);
  if (!word_) {
    progress_armed = false;
    throw std::invalid_argument("WEFT_PROGRESS='" + std::string(path) +
                                "' cannot be used: " + why +
                                " (the weft CLI sets it to a file it made; unset it)");
  }
}

ProgressSlot::~ProgressSlot() {
  if (!word_) return;
  ::munmap(word_, 8);
  progress_armed = false;
}

void ProgressSlot::store(std::uint64_t v) noexcept {
  if (word_) std::atomic_ref<std::uint64_t>(*word_).store(v, std::memory_order_release);
}

}  // namespace weft::detail
