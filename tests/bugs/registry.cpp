// The corpus's registry: every kernel file's part, in one list.
#include <set>
#include <stdexcept>
#include <string>

#include "kernel.hpp"

namespace weft_bugs {

const std::vector<Kernel>& kernels() {
  static const std::vector<Kernel> all = [] {
    std::vector<Kernel> v;
    add_channel_kernels(v);
    add_lock_kernels(v);
    add_sync_kernels(v);
    add_atomicity_kernels(v);
    add_context_time_kernels(v);
    add_deep_kernels(v);
    std::set<std::string_view> names;
    for (const Kernel& k : v)
      if (!names.insert(k.name).second)
        throw std::logic_error("two bug kernels are named " + std::string(k.name));
    return v;
  }();
  return all;
}

const Kernel* find_kernel(std::string_view name) {
  for (const Kernel& k : kernels())
    if (k.name == name) return &k;
  return nullptr;
}

weft::ExploreOptions options_for(const Kernel& k, bool fixed) {
  weft::ExploreOptions o;
  o.use_environment = false;
  o.detect_races = fixed || k.races;
  if (k.max_steps) o.max_steps = k.max_steps;
  return o;
}

}  // namespace weft_bugs
