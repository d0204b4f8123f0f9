// The strategy name table's other half: parsing a spec ("pct:3") into options, building the
// strategy the options name, and the conflict test of pending operations.
#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

#include "strategy.hpp"

namespace weft::detail {

namespace {

std::string known_names() {
  std::string s;
  for (const StrategyName& n : kStrategyNames) {
    if (!s.empty()) s += ", ";
    s += n.name;
    if (n.kind == StrategyKind::pct) s += "[:depth]";
    if (n.kind == StrategyKind::dfs) s += "[:preemption bound]";
    if (n.kind == StrategyKind::replay) s += ":<token>";
  }
  return s;
}

unsigned parse_parameter(std::string_view spec, std::string_view text, const StrategyName& n,
                         const char* source, unsigned min, unsigned max) {
  std::string t(text);
  errno = 0;
  char* end = nullptr;
  unsigned long v = std::strtoul(t.c_str(), &end, 10);
  if (t.empty() || errno != 0 || *end != '\0' || !(t[0] >= '0' && t[0] <= '9') || v < min ||
      v > max)
    throw std::invalid_argument(fmt::format(
        "{}='{}': the {} of {} must be a whole number from {} to {} (for example {}:{})", source,
        spec, n.parameter, n.name, min, max, n.name, min + 1 < max ? min + 1 : min));
  return static_cast<unsigned>(v);
}

}  // namespace

void apply_strategy_spec(std::string_view spec, ExploreOptions& o, const char* source) {
  const std::size_t colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  const bool has_param = colon != std::string_view::npos;
  const std::string_view param = has_param ? spec.substr(colon + 1) : std::string_view{};
  for (const StrategyName& n : kStrategyNames) {
    if (name != n.name) continue;
    if (has_param && !n.parameter)
      throw std::invalid_argument(fmt::format(
          "{}='{}': strategy {} takes no parameter; write {}", source, spec, n.name, n.name));
    switch (n.kind) {
      case StrategyKind::pct:
        if (has_param) o.pct_depth = parse_parameter(spec, param, n, source, 1, 64);
        break;
      case StrategyKind::dfs:
        if (has_param) o.dfs_preemption_bound = parse_parameter(spec, param, n, source, 0, 64);
        break;
      case StrategyKind::replay:
        if (param.empty())
          throw std::invalid_argument(fmt::format(
              "{}='{}': replay needs the token, as replay:<token> (or set WEFT_REPLAY=<token>)",
              source, spec));
        o.replay = std::string(param);
        break;
      default: break;
    }
    o.strategy = n.kind;
    return;
  }
  throw std::invalid_argument(
      fmt::format("{}='{}': unknown strategy '{}'; use one of {}", source, spec, name,
                  known_names()));
}

bool conflicts(OpKind a, const void* a_obj, OpKind b, const void* b_obj) noexcept {
  auto is_chan = [](OpKind k) {
    return k == OpKind::chan_send || k == OpKind::chan_recv || k == OpKind::chan_close ||
           k == OpKind::select;
  };
  if (a == OpKind::none || b == OpKind::none) return false;
  if (a == OpKind::select || b == OpKind::select) return is_chan(a) && is_chan(b);
  if (a_obj == nullptr || a_obj != b_obj) return false;
  auto reads = [](OpKind k) {
    return k == OpKind::read || k == OpKind::atomic_load || k == OpKind::rlock;
  };
  return !(reads(a) && reads(b));  // two reads (or read locks) commute
}

std::unique_ptr<Strategy> make_strategy(const ExploreOptions& o) {
  switch (o.strategy) {
    case StrategyKind::random: return make_random_strategy(o.seed);
    case StrategyKind::pct: return make_pct_strategy(o.seed, o.pct_depth);
    case StrategyKind::pos: return make_pos_strategy(o.seed);
    case StrategyKind::surw: return make_surw_strategy(o.seed, true);
    case StrategyKind::urw: return make_surw_strategy(o.seed, false);
    case StrategyKind::mutate: return make_mutate_strategy(o.seed);
    case StrategyKind::dfs:
      return make_dfs_strategy(o.dfs_preemption_bound, o.dfs_shard, o.dfs_shards);
    case StrategyKind::portfolio: return make_portfolio_strategy(o.seed);
    case StrategyKind::replay: return make_replay_strategy(decode_schedule(o.replay));
  }
  throw std::invalid_argument("ExploreOptions::strategy holds an unknown value");
}

}  // namespace weft::detail
