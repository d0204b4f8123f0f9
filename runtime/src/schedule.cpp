// The compact schedule and version 3 tokens; see schedule.hpp for the format.
#include "schedule.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "rng.hpp"
#include "token.hpp"

namespace weft::detail {

namespace {

constexpr const char* kPrefix2 = "w2-";
constexpr const char* kPrefix3 = "w3-";

// What ScheduleLogs made on this thread record (FingerprintScope).
thread_local TokenFingerprint current_fingerprint;
enum : std::uint64_t { kLiteral = 0, kRun = 1, kDraws = 2 };

template <class Put>
void put_varint(Put&& put, std::uint64_t v) {
  do {
    std::uint8_t b = v & 0x7f;
    v >>= 7;
    put(static_cast<std::uint8_t>(v ? b | 0x80 : b));
  } while (v);
}

// Base64url without padding, fed byte by byte, writing through a fixed buffer.
class Base64Out {
 public:
  Base64Out(void (*out)(void*, const char*, std::size_t), void* ctx) : out_(out), ctx_(ctx) {}
  void text(const char* s) {
    while (*s) put_char(*s++);
  }
  void byte(std::uint8_t b) {
    acc_ = (acc_ << 8) | b;
    bits_ += 8;
    while (bits_ >= 6) {
      bits_ -= 6;
      put_char(kBase64Url[(acc_ >> bits_) & 63]);
    }
  }
  void finish() {
    if (bits_ > 0) put_char(kBase64Url[(acc_ << (6 - bits_)) & 63]);
    bits_ = 0;
    out_(ctx_, buf_, len_);
    len_ = 0;
  }

 private:
  void put_char(char c) {
    if (len_ == sizeof buf_) {
      out_(ctx_, buf_, len_);
      len_ = 0;
    }
    buf_[len_++] = c;
  }
  void (*out_)(void*, const char*, std::size_t);
  void* ctx_;
  char buf_[256];
  std::size_t len_ = 0;
  std::uint32_t acc_ = 0;
  int bits_ = 0;
};

std::invalid_argument bad_token(const std::string& why) {
  return std::invalid_argument("replay token " + why + "; copy it whole from the report");
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Fingerprints.

std::uint32_t test_fingerprint(std::string_view name) noexcept {
  if (name.empty()) return 0;
  std::uint32_t h = 2166136261u;
  for (unsigned char c : name) {
    h ^= c;
    h *= 16777619u;
  }
  return h == 0 ? 1 : h;
}

namespace {

std::uint32_t fnv1a(std::uint32_t h, std::string_view bytes) noexcept {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

// "b.cpp" of "src/a/b.cpp": the same in every checkout and build directory.
std::string_view file_name_only(std::string_view p) noexcept {
  const std::size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

const char* on_off(bool on) noexcept { return on ? "on" : "off"; }

// The schedule space: memory accesses as points, spurious wake-ups.
std::string space_mismatch(std::uint32_t token, std::uint32_t here) {
  if (!((token ^ here) & (kSpaceAccesses | kSpaceSpurious))) return {};
  if ((token ^ here) & kSpaceAccesses) {
    const bool on = token & kSpaceAccesses;
    return fmt::format(
        "replay token was recorded with memory accesses as scheduling points "
        "(ExploreOptions::schedule_accesses) {}, and this exploration has them {}: its choices "
        "belong to another schedule space; replay it with ExploreOptions::schedule_accesses = "
        "{}, as it was recorded",
        on_off(on), on_off(!on), on ? "true" : "false");
  }
  const bool on = token & kSpaceSpurious;
  return fmt::format(
      "replay token was recorded with spurious wake-ups of condition variables "
      "(WEFT_SPURIOUS_WAKEUPS) {}, and this exploration has them {}: its choices belong to "
      "another schedule space; replay it with WEFT_SPURIOUS_WAKEUPS={}, as it was recorded",
      on_off(on), on_off(!on), on ? 1 : 0);
}

// What the exploration reports: the race detector, and what a lock-order inversion does.
// Neither changes the schedule (the same choices replay the same interleaving), but a
// finding of the detector is reported only with it, and an inversion fails or only warns.
std::string detector_mismatch(std::uint32_t token, std::uint32_t here) {
  if (!(token & here & kSpaceDetectorKnown)) return {};  // a w3 token before these bits
  if ((token ^ here) & kSpaceRaces) {
    const bool on = token & kSpaceRaces;
    return fmt::format(
        "replay token was recorded with the race detector (ExploreOptions::detect_races, "
        "WEFT_DETECT_RACES) {}, and this exploration has it {}: {}; replay it with "
        "WEFT_DETECT_RACES={} (or ExploreOptions::detect_races = {}), as it was recorded",
        on_off(on), on_off(!on),
        on ? "a data race or lock-order inversion it reported would not be reported, and the "
             "replay would run on past it"
           : "the replay could stop at a data race or lock-order inversion before the failure "
             "it was recorded for",
        on ? 1 : 0, on ? "true" : "false");
  }
  if ((token ^ here) & kSpaceLockOrderWarn) {
    const bool warn = token & kSpaceLockOrderWarn;
    return fmt::format(
        "replay token was recorded with lock-order inversions set to {} (ExploreOptions::"
        "lock_order, WEFT_LOCK_ORDER), and this exploration has them {}: {}; replay it with "
        "WEFT_LOCK_ORDER={} (or ExploreOptions::lock_order = weft::LockOrderMode::{}), as it "
        "was recorded",
        warn ? "warn" : "fail", warn ? "fail" : "warn",
        warn ? "the replay could fail at a lock-order inversion before the failure it was "
               "recorded for"
             : "an inversion that failed it would only be warned about, and the replay would "
               "run on past it",
        warn ? "warn" : "fail", warn ? "warn" : "fail");
  }
  return {};
}

}  // namespace

std::uint32_t call_site_fingerprint(std::string_view file, std::string_view function) noexcept {
  std::uint32_t h = fnv1a(2166136261u, file_name_only(file));
  h = fnv1a(h, std::string_view("\0", 1));
  h = fnv1a(h, function);
  return h == 0 ? 1 : h;
}

std::uint32_t call_site_fingerprint(const std::source_location& where) noexcept {
  return call_site_fingerprint(where.file_name() ? where.file_name() : "",
                               where.function_name() ? where.function_name() : "");
}

TokenFingerprint make_fingerprint(const TokenSettings& s) noexcept {
  TokenFingerprint f;
  f.space = kSpaceKnown | (s.schedule_accesses ? kSpaceAccesses : 0u) |
            (s.spurious_wakeups ? kSpaceSpurious : 0u) | kSpaceDetectorKnown |
            (s.detect_races ? kSpaceRaces : 0u) |
            (s.detect_races && s.lock_order_warn ? kSpaceLockOrderWarn : 0u);
  f.test = test_fingerprint(s.name);
  if (f.test == 0 && s.where != nullptr) {  // no name: the call site says which exploration
    f.space |= kSpaceSite;
    f.site = call_site_fingerprint(*s.where);
  }
  return f;
}

TokenFingerprint make_fingerprint(std::string_view name, bool schedule_accesses,
                                  bool spurious_wakeups) noexcept {
  return {kScheduleSemantics,
          kSpaceKnown | (schedule_accesses ? kSpaceAccesses : 0u) |
              (spurious_wakeups ? kSpaceSpurious : 0u),
          test_fingerprint(name), 0};
}

std::string fingerprint_mismatch(const TokenFingerprint& token, const TokenFingerprint& here,
                                 std::string_view name, const std::source_location* where) {
  if (token.semantics != here.semantics)
    return fmt::format(
        "replay token was recorded by {} weft (schedule semantics {}; this weft's is {}): the "
        "operations that are scheduling points changed since, so its choices would replay "
        "another schedule; re-run the exploration to get a new token",
        token.semantics < here.semantics ? "an older" : "a newer", token.semantics,
        here.semantics);
  if (token.test != 0 && here.test != 0 && token.test != here.test)
    return fmt::format(
        "replay token was recorded for another test (test fingerprint {:08x}), not for '{}' "
        "({:08x}): replay it against the test that reported it (its report's replay command "
        "names it)",
        token.test, name, here.test);
  if (token.test == 0 && (token.space & kSpaceSite) && where != nullptr) {
    const std::uint32_t site = call_site_fingerprint(*where);
    if (site != token.site)
      return fmt::format(
          "replay token was recorded by another weft::explore() call (call site fingerprint "
          "{:08x}), not by this one in '{}' ({}:{}, call site fingerprint {:08x}): its "
          "choices belong to another exploration's schedules; replay it at the explore() call "
          "that reported it, or give the explorations names (ExploreOptions::name, or "
          "WEFT_EXPLORATION) so that their tokens say which one they belong to",
          token.site, where->function_name(),
          file_name_only(where->file_name() ? where->file_name() : ""), where->line(), site);
  }
  if (token.space != 0 && here.space != 0) {
    if (std::string why = space_mismatch(token.space, here.space); !why.empty()) return why;
    if (std::string why = detector_mismatch(token.space, here.space); !why.empty()) return why;
  }
  return {};
}

FingerprintScope::FingerprintScope(const TokenFingerprint& f) noexcept
    : saved_(current_fingerprint) {
  current_fingerprint = f;
}

FingerprintScope::~FingerprintScope() { current_fingerprint = saved_; }

// ---------------------------------------------------------------------------------------
// Recording.

ScheduleLog::ScheduleLog() noexcept : fingerprint_(current_fingerprint) {}

void ScheduleLog::push_slow(std::uint32_t c) {
  ++size_;
  if (draw_count_) close_draws();
  if (run_count_ && c == run_value_) {
    ++run_count_;
    return;
  }
  close_run();
  run_value_ = c;
  run_count_ = 1;
}

void ScheduleLog::push_drawn_slow(std::uint64_t seed, std::uint64_t index) {
  ++size_;
  close_run();
  flush_literals();
  close_draws();
  draw_seed_ = seed;
  draw_first_ = index;
  draw_count_ = 1;
}

void ScheduleLog::close_run() {
  if (run_count_ == 0) return;
  auto put = [this](std::uint8_t b) { bytes_.push_back(b); };
  if (run_count_ >= kMinRun) {
    flush_literals();
    put_varint(put, run_count_ << 2 | kRun);
    put_varint(put, run_value_);
  } else {
    for (std::uint64_t i = 0; i < run_count_; ++i) {
      if (nlits_ == kMaxLiterals) flush_literals();
      lits_[nlits_++] = run_value_;
    }
  }
  run_count_ = 0;
}

void ScheduleLog::flush_literals() {
  if (nlits_ == 0) return;
  std::uint8_t buf[2 + kMaxLiterals * 5];  // a one- or two-byte header, 32-bit varints
  std::size_t n = 0;
  auto put = [&](std::uint8_t b) { buf[n++] = b; };
  put_varint(put, std::uint64_t{nlits_} << 2 | kLiteral);
  for (std::size_t i = 0; i < nlits_; ++i) put_varint(put, lits_[i]);
  bytes_.insert(bytes_.end(), buf, buf + n);
  nlits_ = 0;
}

void ScheduleLog::close_draws() {
  if (draw_count_ == 0) return;
  auto put = [this](std::uint8_t b) { bytes_.push_back(b); };
  put_varint(put, draw_count_ << 2 | kDraws);
  put_varint(put, draw_seed_);
  put_varint(put, draw_first_);
  draw_count_ = 0;
}

// The open operations as close_run/flush_literals/close_draws would write them. At most one
// of {literals + short run, run, draws} is non-empty besides the literals: a short run
// adds at most kMinRun - 1 literals, so at most two literal headers.
std::size_t ScheduleLog::pending_bytes(std::uint8_t* out) const noexcept {
  std::size_t n = 0;
  auto put = [&](std::uint8_t b) { out[n++] = b; };
  std::uint32_t lits[kMaxLiterals + kMinRun];
  std::size_t nl = nlits_;
  for (std::size_t i = 0; i < nlits_; ++i) lits[i] = lits_[i];
  bool long_run = run_count_ >= kMinRun;
  if (!long_run)
    for (std::uint64_t i = 0; i < run_count_; ++i) lits[nl++] = run_value_;
  for (std::size_t at = 0; at < nl;) {
    std::size_t k = nl - at < kMaxLiterals ? nl - at : kMaxLiterals;
    put_varint(put, std::uint64_t{k} << 2 | kLiteral);
    for (std::size_t i = 0; i < k; ++i) put_varint(put, lits[at + i]);
    at += k;
  }
  if (long_run) {
    put_varint(put, run_count_ << 2 | kRun);
    put_varint(put, run_value_);
  }
  if (draw_count_) {
    put_varint(put, draw_count_ << 2 | kDraws);
    put_varint(put, draw_seed_);
    put_varint(put, draw_first_);
  }
  return n;
}

void ScheduleLog::stream_token(void (*out)(void*, const char*, std::size_t),
                               void* ctx) const noexcept {
  Base64Out b64(out, ctx);
  b64.text(kPrefix3);
  auto put = [&b64](std::uint8_t b) { b64.byte(b); };
  put_varint(put, fingerprint_.semantics);
  put_varint(put, fingerprint_.space);
  for (int k = 0; k < 4; ++k) b64.byte(static_cast<std::uint8_t>(fingerprint_.test >> (8 * k)));
  if (fingerprint_.space & kSpaceSite) {
    for (int k = 0; k < 4; ++k) b64.byte(static_cast<std::uint8_t>(fingerprint_.site >> (8 * k)));
  }
  for (std::uint8_t b : bytes_) b64.byte(b);
  std::uint8_t pending[kPendingMax];
  std::size_t n = pending_bytes(pending);
  for (std::size_t i = 0; i < n; ++i) b64.byte(pending[i]);
  b64.finish();
}

std::string ScheduleLog::token() const {
  std::string s;
  stream_token([](void* ctx, const char* p, std::size_t n) {
    static_cast<std::string*>(ctx)->append(p, n);
  }, &s);
  return s;
}

// ---------------------------------------------------------------------------------------
// Replaying.

ScheduleTape::ScheduleTape() = default;
ScheduleTape::~ScheduleTape() = default;
ScheduleTape::ScheduleTape(ScheduleTape&&) noexcept = default;
ScheduleTape& ScheduleTape::operator=(ScheduleTape&&) noexcept = default;

ScheduleTape ScheduleTape::literal(std::vector<std::uint32_t> choices) {
  ScheduleTape t;
  t.size_ = choices.size();
  if (!choices.empty()) t.ops_.push_back({Kind::literal, choices.size(), 0, 0});
  t.literals_ = std::move(choices);
  return t;
}

std::uint64_t ScheduleTape::take(std::size_t n) {
  while (in_op_ == ops_[op_].count) {
    ++op_;
    in_op_ = 0;
  }
  const Op& op = ops_[op_];
  drawn_ = false;
  std::uint64_t c = 0;
  switch (op.kind) {
    case Kind::literal: c = literals_[op.a + in_op_]; break;
    case Kind::run: c = op.a; break;
    case Kind::draws:
      if (in_op_ == 0) {
        rng_ = std::make_unique<Rng>(op.a);
        for (std::uint64_t i = 0; i < op.b; ++i) rng_->next();
      }
      c = rng_->below(n);
      drawn_ = true;
      drawn_seed_ = op.a;
      drawn_index_ = op.b + in_op_;
      break;
  }
  ++in_op_;
  ++pos_;
  return c;
}

bool ScheduleTape::last_drawn(std::uint64_t& seed, std::uint64_t& index) const noexcept {
  if (!drawn_) return false;
  seed = drawn_seed_;
  index = drawn_index_;
  return true;
}

ScheduleTape decode_schedule(const std::string& token) {
  const bool v3 = token.rfind(kPrefix3, 0) == 0;
  if (!v3 && token.rfind(kPrefix2, 0) != 0) return ScheduleTape::literal(decode_token(token));

  // Base64url to bytes; the checks are those of version 1 (token.cpp).
  std::vector<std::uint8_t> bytes;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 3; i < token.size(); ++i) {
    int v = base64url_value(token[i]);
    if (v < 0)
      throw bad_token("has an invalid character '" + std::string(1, token[i]) +
                      "' at position " + std::to_string(i));
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
    throw bad_token("is truncated or corrupt (its length or last character is wrong)");

  std::size_t at = 0;
  auto varint = [&](int max_bits) -> std::uint64_t {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      if (at == bytes.size()) throw bad_token("is truncated (it ends inside an operation)");
      if (shift >= 64) throw bad_token("is corrupt (a number too large)");
      std::uint8_t b = bytes[at++];
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (b & 0x80) continue;
      if (max_bits < 64 && v >> max_bits) throw bad_token("is corrupt (a choice too large)");
      return v;
    }
  };
  ScheduleTape t;
  if (v3) {
    t.fingerprint_.semantics = static_cast<std::uint32_t>(varint(32));
    t.fingerprint_.space = static_cast<std::uint32_t>(varint(32));
    if (bytes.size() - at < 4) throw bad_token("is truncated (it ends inside its fingerprint)");
    t.fingerprint_.test = 0;
    for (int k = 0; k < 4; ++k) t.fingerprint_.test |= std::uint32_t{bytes[at++]} << (8 * k);
    if (t.fingerprint_.space & kSpaceSite) {
      if (bytes.size() - at < 4) throw bad_token("is truncated (it ends inside its fingerprint)");
      for (int k = 0; k < 4; ++k) t.fingerprint_.site |= std::uint32_t{bytes[at++]} << (8 * k);
    }
  }
  while (at < bytes.size()) {
    std::uint64_t h = varint(64);
    std::uint64_t count = h >> 2;
    if (count == 0) throw bad_token("is corrupt (an empty operation)");
    switch (h & 3) {
      case kLiteral: {
        if (count > bytes.size() - at) throw bad_token("is truncated (it ends inside a list)");
        t.ops_.push_back({ScheduleTape::Kind::literal, count, t.literals_.size(), 0});
        for (std::uint64_t i = 0; i < count; ++i)
          t.literals_.push_back(static_cast<std::uint32_t>(varint(32)));
        break;
      }
      case kRun: t.ops_.push_back({ScheduleTape::Kind::run, count, varint(32), 0}); break;
      case kDraws: {
        std::uint64_t seed = varint(64);
        std::uint64_t first = varint(64);
        if (first > (std::uint64_t{1} << 40))
          throw bad_token("is corrupt (a draw number too large)");
        t.ops_.push_back({ScheduleTape::Kind::draws, count, seed, first});
        break;
      }
      default: throw bad_token("is corrupt (an unknown operation)");
    }
    if (t.size_ + count < t.size_) throw bad_token("is corrupt (too many choices)");
    t.size_ += count;
  }
  return t;
}

}  // namespace weft::detail
