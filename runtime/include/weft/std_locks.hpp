// weft/std_locks.hpp — std::lock_guard, std::scoped_lock, std::unique_lock and
// std::shared_lock over weft::Mutex and weft::RWMutex, specialised so that what weft records
// for a lock or an unlock (reports, deadlock dumps, lock-order cycles) points at the line
// that built the guard or called its member, not at a line inside <mutex>.
//
//   std::lock_guard lock(mu);                       // recorded at this line
//   std::unique_lock lk(mu, std::defer_lock);
//   lk.lock();                                      // and at this one
//   std::shared_lock reader(rw);
//
// Included by weft/sync.hpp, so a guard over a weft mutex always gets these. The standard
// allows specialising its class templates for program-defined types when the
// specialisation meets the original's requirements; these do, and only add a defaulted
// trailing std::source_location parameter (a guard's destructor unlocks "at" the line
// that locked). std::lock(a, b) and a scoped_lock over several mutexes still lock inside
// <mutex>.
#pragma once

#include <concepts>
#include <mutex>
#include <shared_mutex>
#include <source_location>
#include <system_error>
#include <utility>

#include "weft/sync.hpp"

namespace weft::detail {

template <class M>
concept WeftMutex = std::same_as<M, Mutex> || std::same_as<M, RWMutex>;

// What lock_guard and a one-mutex scoped_lock share: lock at construction (or adopt),
// unlock at destruction, at the line that built the guard.
template <class M>
class LockHolder {
 protected:
  LockHolder(M& m, std::source_location w) : m_(m), where_(w) { m_.lock(w); }
  LockHolder(M& m, std::adopt_lock_t, std::source_location w) noexcept : m_(m), where_(w) {}
  ~LockHolder() { m_.unlock(where_); }
  LockHolder(const LockHolder&) = delete;
  LockHolder& operator=(const LockHolder&) = delete;

 private:
  M& m_;
  std::source_location where_;
};

// The ownership state and error rules shared by unique_lock and shared_lock; Exclusive
// chooses lock()/unlock() or lock_shared()/unlock_shared().
template <class M, bool Exclusive>
class OwningLock {
  using Here = std::source_location;

 public:
  using mutex_type = M;

  OwningLock() noexcept = default;
  explicit OwningLock(M& m, Here w = Here::current()) : m_(&m), where_(w) { acquire(w); }
  OwningLock(M& m, std::defer_lock_t, Here w = Here::current()) noexcept : m_(&m), where_(w) {}
  OwningLock(M& m, std::try_to_lock_t, Here w = Here::current()) : m_(&m), where_(w) {
    owns_ = try_acquire(w);
  }
  OwningLock(M& m, std::adopt_lock_t, Here w = Here::current()) noexcept
      : m_(&m), owns_(true), where_(w) {}
  ~OwningLock() {
    if (owns_) release_lock(where_);
  }
  OwningLock(const OwningLock&) = delete;
  OwningLock& operator=(const OwningLock&) = delete;
  OwningLock(OwningLock&& o) noexcept
      : m_(std::exchange(o.m_, nullptr)), owns_(std::exchange(o.owns_, false)), where_(o.where_) {}
  OwningLock& operator=(OwningLock&& o) noexcept {
    if (this != &o) {
      if (owns_) release_lock(where_);
      m_ = std::exchange(o.m_, nullptr);
      owns_ = std::exchange(o.owns_, false);
      where_ = o.where_;
    }
    return *this;
  }

  void lock(Here w = Here::current()) {
    check_can_lock();
    acquire(w);
    where_ = w;
  }
  bool try_lock(Here w = Here::current()) {
    check_can_lock();
    owns_ = try_acquire(w);
    where_ = w;
    return owns_;
  }
  void unlock(Here w = Here::current()) {
    if (!owns_) throw std::system_error(std::make_error_code(std::errc::operation_not_permitted));
    release_lock(w);
  }

  void swap(OwningLock& o) noexcept {
    std::swap(m_, o.m_);
    std::swap(owns_, o.owns_);
    std::swap(where_, o.where_);
  }
  M* release() noexcept {
    owns_ = false;
    return std::exchange(m_, nullptr);
  }
  bool owns_lock() const noexcept { return owns_; }
  explicit operator bool() const noexcept { return owns_; }
  M* mutex() const noexcept { return m_; }

 private:
  void check_can_lock() const {
    if (!m_) throw std::system_error(std::make_error_code(std::errc::operation_not_permitted));
    if (owns_)
      throw std::system_error(std::make_error_code(std::errc::resource_deadlock_would_occur));
  }
  void acquire(Here w) {
    if constexpr (Exclusive) m_->lock(w);
    else m_->lock_shared(w);
    owns_ = true;
  }
  bool try_acquire(Here w) {
    if constexpr (Exclusive) return m_->try_lock(w);
    else return m_->try_lock_shared(w);
  }
  void release_lock(Here w) {
    owns_ = false;
    if constexpr (Exclusive) m_->unlock(w);
    else m_->unlock_shared(w);
  }

  M* m_ = nullptr;
  bool owns_ = false;
  Here where_{};
};

}  // namespace weft::detail

namespace std {

template <class M>
  requires weft::detail::WeftMutex<M>
class lock_guard<M> : weft::detail::LockHolder<M> {
 public:
  using mutex_type = M;
  explicit lock_guard(M& m, source_location w = source_location::current())
      : weft::detail::LockHolder<M>(m, w) {}
  lock_guard(M& m, adopt_lock_t t, source_location w = source_location::current()) noexcept
      : weft::detail::LockHolder<M>(m, t, w) {}
};

// The one-mutex form; scoped_lock over several mutexes stays the standard one.
template <class M>
  requires weft::detail::WeftMutex<M>
class scoped_lock<M> : weft::detail::LockHolder<M> {
 public:
  using mutex_type = M;
  explicit scoped_lock(M& m, source_location w = source_location::current())
      : weft::detail::LockHolder<M>(m, w) {}
  scoped_lock(adopt_lock_t t, M& m, source_location w = source_location::current()) noexcept
      : weft::detail::LockHolder<M>(m, t, w) {}
};

// The constructors are the base's, inherited: their defaulted std::source_location still
// names the line that constructs the guard.
template <class M>
  requires weft::detail::WeftMutex<M>
class unique_lock<M> : public weft::detail::OwningLock<M, true> {
  using Base = weft::detail::OwningLock<M, true>;

 public:
  using Base::Base;
  unique_lock() noexcept = default;
  void swap(unique_lock& o) noexcept { Base::swap(o); }
};

template <>
class shared_lock<weft::RWMutex> : public weft::detail::OwningLock<weft::RWMutex, false> {
  using Base = weft::detail::OwningLock<weft::RWMutex, false>;

 public:
  using Base::Base;
  shared_lock() noexcept = default;
  void swap(shared_lock& o) noexcept { Base::swap(o); }
};

}  // namespace std
