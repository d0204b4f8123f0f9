// Contexts: a tree of nodes. A cancelable node has its own done channel and registers with
// its nearest cancelable ancestor, which cancels it in turn.
//
// Invariants (guarded by each node's lk):
//  - err != none exactly when done is closed; it never changes afterwards;
//  - children holds the live cancelable descendants registered with this node; it is
//    emptied when this node is cancelled.
#include "weft/context.hpp"

#include <stdexcept>
#include <vector>

#include "scheduler.hpp"
#include "weft/go.hpp"

namespace weft {

std::string_view context_error_message(ContextError e) noexcept {
  switch (e) {
    case ContextError::none: return "";
    case ContextError::canceled: return "context canceled";
    case ContextError::deadline_exceeded: return "context deadline exceeded";
  }
  return "";
}

namespace detail {

struct ContextImpl : std::enable_shared_from_this<ContextImpl> {
  std::shared_ptr<ContextImpl> parent;
  bool cancelable = false;
  Chan<Unit> done;  // nil unless cancelable
  std::optional<Clock::time_point> deadline;
  std::string key;
  std::any value;
  bool has_value = false;

  RawSpinLock lk;  // err() and cancel may come from any thread
  ContextError err WEFT_GUARDED_BY(lk) = ContextError::none;
  std::string cause WEFT_GUARDED_BY(lk);
  std::vector<std::weak_ptr<ContextImpl>> children WEFT_GUARDED_BY(lk);
  TimerEntry timer;                              // for deadlines
  Scheduler* timer_sched = nullptr;
  std::shared_ptr<ContextImpl> timer_keep_alive;  // set while the timer is pending

  // Nearest cancelable ancestor (or self).
  ContextImpl* cancel_node() {
    for (ContextImpl* c = this; c; c = c->parent.get())
      if (c->cancelable) return c;
    return nullptr;
  }

  // Cancels this node and its children; from_goroutine says whether a goroutine (rather
  // than a timer on the scheduler) is cancelling, which decides how done is closed.
  void cancel(ContextError e, const std::string& why, bool from_goroutine, Location where) {
    lk.lock();
    if (err != ContextError::none) {
      lk.unlock();
      return;
    }
    err = e;
    cause = why.empty() ? std::string(context_error_message(e)) : why;
    std::vector<std::weak_ptr<ContextImpl>> kids = std::move(children);
    children.clear();
    const std::string reason = cause;  // for the children, read while lk is held
    lk.unlock();
    if (from_goroutine)
      chan_close(ChanAccess::raw(done), where);
    else
      ChanAccess::raw(done)->close_from_runtime();
    // (A timer of an earlier run was dropped with it: its scheduler is gone.)
    if (timer_sched && timer_sched == scheduler_here() && timer_sched->remove_timer(&timer))
      timer_keep_alive.reset();
    for (auto& w : kids)
      if (auto k = w.lock()) k->cancel(e, reason, from_goroutine, where);
  }

  // As in Go (time.AfterFunc), the deadline's cancel runs on a goroutine of its own: a
  // goroutine cancelling at the same virtual instant may come first or second, and both
  // orders are explored. Done is closed with the clock armed by with_deadline's caller.
  static void on_deadline(void* p) {
    auto* c = static_cast<ContextImpl*>(p);
    std::shared_ptr<ContextImpl> hold = std::move(c->timer_keep_alive);
    c->timer_sched->spawn_from_timer(bind_call([hold] {
      hold->cancel(ContextError::deadline_exceeded, "", false, Location{});
    }), "context deadline");
  }
  static void on_drop(void* p) { static_cast<ContextImpl*>(p)->timer_keep_alive.reset(); }

  // Makes a cancelable child of `parent`, registered for propagation.
  static std::shared_ptr<ContextImpl> make_cancelable(const Context& parent) {
    auto c = std::make_shared<ContextImpl>();
    c->parent = parent.impl_;
    c->cancelable = true;
    c->done = make_chan<Unit>();
    c->deadline = parent.deadline();
    if (ContextImpl* anc = parent.impl_ ? parent.impl_->cancel_node() : nullptr) {
      anc->lk.lock();
      ContextError perr = anc->err;
      std::string pcause = anc->cause;
      if (perr == ContextError::none) anc->children.push_back(c);
      anc->lk.unlock();
      if (perr != ContextError::none) c->cancel(perr, pcause, in_goroutine(), Location{});
    }
    return c;
  }

  static Context make_value(const Context& parent, std::string k, std::any v) {
    auto c = std::make_shared<ContextImpl>();
    c->parent = parent.impl_;
    c->deadline = parent.deadline();
    c->key = std::move(k);
    c->value = std::move(v);
    c->has_value = true;
    return Context(std::move(c));
  }
  ContextError error() {
    lk.lock();
    ContextError e = err;
    lk.unlock();
    return e;
  }

  static Context wrap(std::shared_ptr<ContextImpl> c) { return Context(std::move(c)); }
  static CancelFunc canceller(std::shared_ptr<ContextImpl> c) { return CancelFunc(std::move(c)); }
};

}  // namespace detail

Context::Context() = default;

RecvChan<Unit> Context::done() const {
  detail::ContextImpl* c = impl_ ? impl_->cancel_node() : nullptr;
  return c ? RecvChan<Unit>(c->done) : RecvChan<Unit>();
}

ContextError Context::err() const {
  detail::ContextImpl* c = impl_ ? impl_->cancel_node() : nullptr;
  return c ? c->error() : ContextError::none;
}

std::string Context::cause() const {
  detail::ContextImpl* c = impl_ ? impl_->cancel_node() : nullptr;
  if (!c) return {};
  c->lk.lock();
  std::string s = c->cause;
  c->lk.unlock();
  return s;
}

std::optional<Clock::time_point> Context::deadline() const {
  return impl_ ? impl_->deadline : std::nullopt;
}

const std::any* Context::value(std::string_view key) const {
  for (detail::ContextImpl* c = impl_.get(); c; c = c->parent.get())
    if (c->has_value && c->key == key) return &c->value;
  return nullptr;
}

void CancelFunc::operator()(std::source_location where) const { (*this)(std::string(), where); }

void CancelFunc::operator()(std::string cause, std::source_location where) const {
  const Location loc = Location::from(where);
  const detail::OutsideOp outside;  // on a thread with no scheduler: the run stays whole
  detail::visible(loc);
  c_->cancel(ContextError::canceled, cause, true, loc);
}

Context background() { return Context(); }

std::pair<Context, CancelFunc> with_cancel(const Context& parent) {
  auto c = detail::ContextImpl::make_cancelable(parent);
  return {detail::ContextImpl::wrap(c), detail::ContextImpl::canceller(c)};
}

std::pair<Context, CancelFunc> with_deadline(const Context& parent, Clock::time_point deadline) {
  if (auto pd = parent.deadline(); pd && *pd <= deadline) return with_cancel(parent);
  const detail::OutsideOp outside;  // on a thread with no scheduler: the run stays whole
  auto c = detail::ContextImpl::make_cancelable(parent);
  c->deadline = deadline;
  // In a goroutine, or on a thread of the weft::run in progress that runs none.
  detail::Scheduler* s = detail::current_scheduler();
  if (s ? !detail::in_goroutine() : (s = detail::run_in_progress()) == nullptr)
    throw std::logic_error("weft::with_deadline needs a weft run; call it inside weft::explore");
  if (c->error() == ContextError::none) {
    if (deadline <= Clock::now()) {
      c->cancel(ContextError::deadline_exceeded, "", true, Location{});
    } else {
      detail::ChanAccess::raw(c->done)->arm_edge(detail::current_or_outside());
      c->timer.when = deadline.time_since_epoch();
      c->timer.fn = &detail::ContextImpl::on_deadline;
      c->timer.drop = &detail::ContextImpl::on_drop;
      c->timer.arg = c.get();
      c->timer_sched = s;
      c->timer_keep_alive = c;
      s->add_timer(&c->timer);
    }
  }
  return {detail::ContextImpl::wrap(c), detail::ContextImpl::canceller(c)};
}

std::pair<Context, CancelFunc> with_timeout(const Context& parent, Duration timeout) {
  return with_deadline(parent, Clock::now() + timeout);
}

Context with_value(const Context& parent, std::string key, std::any value) {
  return detail::ContextImpl::make_value(parent, std::move(key), std::move(value));
}

}  // namespace weft
