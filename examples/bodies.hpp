// examples/bodies.hpp — the body of every example program, one namespace per topic. The
// registry (registry.cpp) lists them with what they teach; each .cpp defines one.
#pragma once

namespace weft_examples {

namespace goroutines { void run(); }
namespace unbuffered_channels { void run(); }
namespace buffered_channels { void run(); }
namespace signal_channel { void run(); }
namespace nil_channel_select { void run(); }
namespace pipeline { void run(); }
namespace fan_out_fan_in { void run(); }
namespace worker_pool { void run(); }
namespace select_timeout { void run(); }
namespace goroutine_timeout { void run(); }
namespace monitor_goroutine { void run(); }
namespace mutex_counter { void run(); }
namespace rwmutex_config { void run(); }
namespace atomic_counter { void run(); }
namespace context_tree { void run(); }

namespace bug_lost_update { void run(); }
namespace bug_lock_order_deadlock { void run(); }
namespace bug_leaked_goroutine { void run(); }

}  // namespace weft_examples
