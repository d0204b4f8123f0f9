// An OS mutex the thread-safety analysis understands (libstdc++'s std::mutex carries no
// annotations), for state shared with threads outside the scheduler: the stack pool, the
// watchdog. Goroutine-facing objects use SpinLock, which parking knows how to release.
// Its calls are weft's own (shim::Internal): the std interposition never turns them into a
// goroutine's visible operations, even when a goroutine's spawn reaches the stack pool.
#pragma once

#include <mutex>

#include "std_shim.hpp"
#include "weft/detail/thread_safety.hpp"

namespace weft::detail {

class WEFT_CAPABILITY("mutex") OsMutex {
 public:
  void lock() WEFT_ACQUIRE() {
    shim::Internal internal;
    m_.lock();
  }
  void unlock() WEFT_RELEASE() {
    shim::Internal internal;
    m_.unlock();
  }

 private:
  std::mutex m_;
};

// Holds an OsMutex for its scope.
class WEFT_SCOPED_CAPABILITY OsLock {
 public:
  explicit OsLock(OsMutex& m) WEFT_ACQUIRE(m) : m_(m) { m_.lock(); }
  ~OsLock() WEFT_RELEASE() { m_.unlock(); }
  OsLock(const OsLock&) = delete;
  OsLock& operator=(const OsLock&) = delete;

 private:
  OsMutex& m_;
};

}  // namespace weft::detail
