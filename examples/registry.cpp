// examples/registry.cpp — the table of examples, in the order a tutorial would teach them.
#include "registry.hpp"

#include <algorithm>
#include <array>

#include "bodies.hpp"

namespace weft_examples {

namespace {

using weft::FailureKind;

// clang-format off
constexpr std::array kExamples = {
    Example{"goroutines", "start goroutines with go and join them with a WaitGroup (fork-join)",
            goroutines::run, Expect::ok()},
    Example{"unbuffered-channels", "an unbuffered channel is a rendezvous: send waits for a receiver",
            unbuffered_channels::run, Expect::ok()},
    Example{"buffered-channels", "a buffered channel is a FIFO queue; close keeps what it holds",
            buffered_channels::run, Expect::ok()},
    Example{"signal-channel", "close a Chan<Unit> to broadcast a signal to every waiter",
            signal_channel::run, Expect::ok()},
    Example{"nil-channel-select", "set a channel to nil to switch its select case off",
            nil_channel_select::run, Expect::ok()},
    Example{"pipeline", "stages joined by channels; each closes its output when done",
            pipeline::run, Expect::ok()},
    Example{"fan-out-fan-in", "spread work over goroutines, then merge their outputs into one channel",
            fan_out_fan_in::run, Expect::ok()},
    Example{"worker-pool", "a fixed set of workers draining a job queue",
            worker_pool::run, Expect::ok()},
    Example{"select-timeout", "select with after() as a timeout, on virtual time",
            select_timeout::run, Expect::ok()},
    Example{"goroutine-timeout", "two ways to time out a goroutine: select on after(), or a context deadline",
            goroutine_timeout::run, Expect::ok()},
    Example{"monitor-goroutine", "one goroutine owns the state; others send it requests",
            monitor_goroutine::run, Expect::ok()},
    Example{"mutex-counter", "a Mutex makes a read-modify-write a critical section",
            mutex_counter::run, Expect::ok()},
    Example{"rwmutex-config", "an RWMutex: many readers at once, or one writer",
            rwmutex_config::run, Expect::ok()},
    Example{"atomic-counter", "Atomic counters and compare_exchange without a lock",
            atomic_counter::run, Expect::ok()},
    Example{"context-tree", "cancel a tree of goroutines through derived contexts",
            context_tree::run, Expect::ok()},
    Example{"bug-lost-update", "BUG: two unsynchronised increments, one is lost",
            bug_lost_update::run,
            Expect::bug(FailureKind::data_race).or_else(FailureKind::assertion)},
    Example{"bug-lock-order-deadlock", "BUG: two mutexes locked in opposite orders can deadlock",
            bug_lock_order_deadlock::run,
            Expect::bug(FailureKind::deadlock).or_else(FailureKind::lock_order)},
    Example{"bug-leaked-goroutine", "BUG: a timeout leaves a sender blocked forever on an unbuffered channel",
            bug_leaked_goroutine::run, Expect::bug(FailureKind::leak)},
};
// clang-format on

}  // namespace

std::span<const Example> all_examples() { return kExamples; }

const Example* find_example(std::string_view name) {
  auto it = std::find_if(kExamples.begin(), kExamples.end(),
                         [&](const Example& e) { return e.name == name; });
  return it == kExamples.end() ? nullptr : &*it;
}

}  // namespace weft_examples
