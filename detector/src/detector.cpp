// detector.cpp — Detector, the public face: every call runs under the engine's mutex, unless
// the caller serialises its calls itself (DetectorOptions::caller_serialises).
#include <weft/detector/detector.hpp>

#include "engine.hpp"

#include <sched.h>

#include <cstddef>
#include <type_traits>
#include <utility>

namespace weft::det {
namespace {

template <class Engine, class F>
decltype(auto) locked(Engine& e, F&& f) {
  if (e.caller_serialises) return std::forward<F>(f)();
  std::lock_guard<EngineLock> lock(e.mu);
  return std::forward<F>(f)();
}

}  // namespace

void EngineLock::contended() noexcept {
  constexpr unsigned kSpins = 256;
  unsigned spins = 0;
  do {
    while (held_.load(std::memory_order_relaxed)) {
      if (spins < kSpins) {
        ++spins;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      } else {
        ::sched_yield();
      }
    }
  } while (held_.exchange(true, std::memory_order_acquire));
}

Detector::Detector(DetectorOptions options) : engine_(std::make_unique<Engine>(options)) {}
Detector::~Detector() = default;

void Detector::reset() {
  locked(*engine_, [&] { engine_->reset(); });
}
void Detector::go_start(GoId g, GoId parent, std::string_view name, const Loc& created_at) {
  locked(*engine_, [&] { engine_->go_start(g, parent, name, created_at); });
}
void Detector::go_end(GoId g) {
  locked(*engine_, [&] { engine_->go_end(g); });
}
void Detector::acquire(GoId g, const void* sync) {
  locked(*engine_, [&] { engine_->acquire(g, sync); });
}
void Detector::release(GoId g, const void* sync) {
  locked(*engine_, [&] { engine_->release(g, sync); });
}
void Detector::release_store(GoId g, const void* sync) {
  locked(*engine_, [&] { engine_->release_store(g, sync); });
}
void Detector::sync_free(const void* sync) {
  locked(*engine_, [&] { engine_->sync_free(sync); });
}
bool Detector::lock_acquired(GoId g, const void* mutex, bool exclusive, const Loc& where) {
  return locked(*engine_, [&] { return engine_->lock_acquired(g, mutex, exclusive, where); });
}
void Detector::lock_try_acquired(GoId g, const void* mutex, bool, const Loc& where) {
  locked(*engine_, [&] { engine_->lock_try_acquired(g, mutex, where); });
}
void Detector::lock_released(GoId g, const void* mutex) {
  locked(*engine_, [&] { engine_->lock_released(g, mutex); });
}
bool Detector::mutex_locked(GoId g, const void* mutex, const Loc& where) {
  return locked(*engine_, [&] { return engine_->mutex_locked(g, mutex, where); });
}
void Detector::mutex_unlocking(GoId g, const void* mutex) {
  locked(*engine_, [&] { engine_->mutex_unlocking(g, mutex); });
}
bool Detector::access(GoId g, const void* addr, std::size_t size, Access kind,
                      const Loc& where) {
  return locked(*engine_, [&] { return engine_->access(g, addr, size, kind, where); });
}
bool Detector::access_repeats(GoId g, const void* addr, std::size_t size, Access kind) {
  return locked(*engine_, [&] { return engine_->access_repeats(g, addr, size, kind); });
}
SameEpochView* Detector::view() noexcept { return &engine_->view; }
void Detector::bind_view(GoId g, const void* owner) {
  locked(*engine_, [&] { engine_->bind_view(g, owner); });
}
bool Detector::access_bound(GoId g, const void* addr, std::size_t size, Access kind,
                            const Loc& where, const void* owner) {
  return locked(*engine_,
                [&] { return engine_->access_bound(g, addr, size, kind, where, owner); });
}
SameEpochView* Detector::add_thread_view() {
  return locked(*engine_, [&] { return engine_->add_thread_view(); });
}
bool Detector::access_in_view(SameEpochView* view, GoId g, const void* addr, std::size_t size,
                              Access kind, const Loc& where, const void* owner) {
  static_assert(std::is_standard_layout_v<ThreadView> && offsetof(ThreadView, view) == 0);
  auto& tv = *reinterpret_cast<ThreadView*>(view);
  return locked(*engine_,
                [&] { return engine_->access_in_view(tv, g, addr, size, kind, where, owner); });
}
bool Detector::repeats_in_view(SameEpochView* view, GoId g, const void* addr, std::size_t size,
                               Access kind) {
  if (engine_->caller_serialises) return false;
  return engine_->repeats_unlocked(*reinterpret_cast<ThreadView*>(view), g, addr, size, kind);
}
bool Detector::write_then_free(GoId g, const void* addr, std::size_t size, const Loc& where) {
  return locked(*engine_, [&] { return engine_->write_then_free(g, addr, size, where); });
}
void Detector::free_range(const void* addr, std::size_t size) {
  locked(*engine_, [&] { engine_->free_range(addr, size); });
}
void Detector::func_enter(GoId g, const Loc& function) {
  locked(*engine_, [&] { engine_->func_enter(g, function); });
}
void Detector::func_enter(GoId g, const Loc& function, const Loc& call) {
  locked(*engine_, [&] { engine_->func_enter(g, function, call); });
}
void Detector::func_exit(GoId g) {
  locked(*engine_, [&] { engine_->func_exit(g); });
}

std::vector<Report> Detector::reports() const {
  return locked(*engine_, [&] { return engine_->reports; });
}
std::vector<Report> Detector::take_reports() {
  return locked(*engine_, [&] { return std::exchange(engine_->reports, {}); });
}
std::size_t Detector::report_count() const {
  return locked(*engine_, [&] { return engine_->reports.size(); });
}
DetectorStats Detector::stats() const {
  return locked(*engine_, [&] { return engine_->stats(); });
}

}  // namespace weft::det
